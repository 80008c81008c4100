"""Demo leads for a demo tenant: new ones to work through, and some already accepted
(through the real rules, so they have their contact and case) or rejected."""

from __future__ import annotations

import random
from datetime import timedelta

from faker import Faker
from sqlalchemy import select

from app.demo.contacts import COUNTRY_OF_LOCALE, phone_number
from app.extensions import db
from app.models import Contact, Lead, User
from app.models.base import utcnow
from app.models.user import ROLE_ADMIN
from app.services.work import leads

# Per language: where leads come from, what they ask, why some were rejected.
TEXTS = {
    "da_DK": {
        "sources": ("Hjemmeside", "Messe", "Telefon", "Facebook"),
        "messages": ("Vi vil gerne have et tilbud på 20 licenser.\nVenlig hilsen",
                     "Kan I ringe mig op angående en demo?",
                     "Vi overvejer at skifte leverandør og vil høre om jeres priser."),
        "reasons": ("Spam", "Allerede kunde hos en forhandler", "Uden for vores område"),
    },
    "sv_SE": {
        "sources": ("Webbplats", "Mässa", "Telefon", "Facebook"),
        "messages": ("Vi vill gärna ha en offert på 20 licenser.\nMed vänliga hälsningar",
                     "Kan ni ringa mig angående en demo?",
                     "Vi funderar på att byta leverantör och vill veta era priser."),
        "reasons": ("Skräppost", "Redan kund hos en återförsäljare", "Utanför vårt område"),
    },
    "pl_PL": {
        "sources": ("Strona WWW", "Targi", "Telefon", "Facebook"),
        "messages": ("Prosimy o ofertę na 20 licencji.\nPozdrawiam",
                     "Czy mogą Państwo oddzwonić w sprawie prezentacji?",
                     "Rozważamy zmianę dostawcy i chcemy poznać Państwa ceny."),
        "reasons": ("Spam", "Już klient partnera", "Poza naszym obszarem"),
    },
}
ACCEPTED_SHARE = 0.2
REJECTED_SHARE = 0.15
KNOWN_CONTACT_SHARE = 0.2  # leads from people already in the CRM (same e-mail)


def fill_leads(tenant, faker_locale: str, contacts: int) -> None:
    fake = Faker(faker_locale)
    fake.seed_instance(tenant.id + 14)
    rng = random.Random(tenant.id + 14)
    texts = TEXTS.get(faker_locale, TEXTS["da_DK"])
    country = COUNTRY_OF_LOCALE.get(faker_locale, "DK")
    known = list(db.session.scalars(select(Contact).where(Contact.email.is_not(None))
                                    .order_by(Contact.id).limit(20)))
    decider = db.session.scalars(select(User).order_by(User.role != ROLE_ADMIN, User.id)
                                 .limit(1)).first()
    for index in range(max(6, contacts // 4)):
        lead = _lead(fake, rng, texts, country, known, index)
        db.session.add(lead)
        db.session.flush()
        chance = rng.random()
        if chance < ACCEPTED_SHARE:
            leads.accept(lead, decider)
        elif chance < ACCEPTED_SHARE + REJECTED_SHARE:
            leads.reject(lead, rng.choice(texts["reasons"]), decider)
    db.session.flush()


def _lead(fake: Faker, rng: random.Random, texts: dict, country: str,
          known: list[Contact], index: int) -> Lead:
    received_at = utcnow() - timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 600))
    common = {"source": rng.choice(texts["sources"]), "received_at": received_at,
              "message": rng.choice(texts["messages"])}
    if known and rng.random() < KNOWN_CONTACT_SHARE:
        contact = rng.choice(known)
        return Lead(name=contact.full_name, email=contact.email, **common)
    first, last = fake.first_name(), fake.last_name()
    company = fake.company() if rng.random() < 0.6 else None
    domain = fake.domain_name()
    return Lead(name=f"{first} {last}", company=company,
                email=f"{fake.user_name()}{index}@{domain}",
                phone=phone_number(fake, country), **common)
