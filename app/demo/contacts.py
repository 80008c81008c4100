"""Demo organisations, contacts, employments, tags and consents for a demo tenant."""

from __future__ import annotations

import random
from datetime import date, timedelta

from faker import Faker
from sqlalchemy import select

from app.extensions import db
from app.models import Contact, Employment, Organisation, Tag, User
from app.models.contact import KIND_COMPANY, KIND_PRIVATE
from app.services import identifiers
from app.services.contacts import contacts as contact_service
from app.services.contacts import organisations
from app.services.errors import ServiceError

COUNTRY_OF_LOCALE = {"da_DK": "DK", "sv_SE": "SE", "pl_PL": "PL"}
LANGUAGE_OF_COUNTRY = {"DK": "da", "SE": "sv", "PL": "pl"}
TAGS = {
    "da_DK": [("VIP", "#dc3545"), ("Nyhedsbrev", "#17a2b8"), ("Messe 2026", "#28a745")],
    "sv_SE": [("VIP", "#dc3545"), ("Nyhetsbrev", "#17a2b8"), ("Mässa 2026", "#28a745")],
    "pl_PL": [("VIP", "#dc3545"), ("Newsletter", "#17a2b8"), ("Targi 2026", "#28a745")],
}
# Free-text values, written as the tenant's own users would write them.
INDUSTRIES = {
    "DK": ("IT", "Detailhandel", "Produktion", "Rådgivning", "Transport", "Finans"),
    "SE": ("IT", "Detaljhandel", "Tillverkning", "Konsulttjänster", "Transport", "Finans"),
    "PL": ("IT", "Handel detaliczny", "Produkcja", "Doradztwo", "Transport", "Finanse"),
}
CONSENT_SOURCES = {
    "DK": ("Webformular", "Telefonsamtale", "Messe", "Underskrevet blanket"),
    "SE": ("Webbformulär", "Telefonsamtal", "Mässa", "Underskriven blankett"),
    "PL": ("Formularz WWW", "Rozmowa telefoniczna", "Targi", "Podpisany formularz"),
}


def phone_number(fake: Faker, country: str) -> str | None:
    try:
        return identifiers.normalise_phone(fake.phone_number(), country)
    except ServiceError:
        return None


def _national_id(fake: Faker, country: str) -> str | None:
    generators = {"PL": getattr(fake, "pesel", None), "SE": getattr(fake, "ssn", None)}
    generator = generators.get(country)
    if generator is None:
        return None
    try:
        return identifiers.normalise_national_id(generator(), country)
    except ServiceError:
        return None


def fill_contacts(tenant, faker_locale: str, contacts: int) -> None:
    fake = Faker(faker_locale)
    fake.seed_instance(tenant.id)
    rng = random.Random(tenant.id)
    country = COUNTRY_OF_LOCALE.get(faker_locale, "DK")
    users = list(db.session.scalars(select(User).order_by(User.id)))
    tags = [Tag(name=name, colour=colour) for name, colour in TAGS[faker_locale]]
    db.session.add_all(tags)
    companies = [_organisation(fake, rng, country, users, tags)
                 for _ in range(max(2, contacts // 5))]
    db.session.add_all(companies)
    private_org = organisations.private_customers()
    for index in range(contacts):
        contact = _contact(fake, rng, country, users, tags, index)
        if rng.random() < 0.2:
            contact.kind = KIND_PRIVATE
            contact.employments.append(Employment(organisation=private_org, is_primary=True))
        else:
            _employ(contact, rng, companies)
        contact_service.sync_primary_organisation(contact)
        db.session.add(contact)
    db.session.flush()


def _organisation(fake, rng, country, users, tags) -> Organisation:
    return Organisation(
        name=fake.unique.company(), street=fake.street_address(), postcode=fake.postcode(),
        city=fake.city(), country=country, phone=phone_number(fake, country),
        email=fake.company_email(), website=f"https://{fake.domain_name()}",
        industry=rng.choice(INDUSTRIES[country]), responsible_user=rng.choice(users),
        tags=rng.sample(tags, k=rng.randint(0, 2)),
    )


def _contact(fake, rng, country, users, tags, index) -> Contact:
    first, last = fake.first_name(), fake.last_name()
    consent_day = date.today() - timedelta(days=rng.randint(1, 700))
    contact = Contact(
        kind=KIND_COMPANY, first_name=first, last_name=last,
        email=f"{index}.{fake.user_name()}@{fake.free_email_domain()}",
        phone=phone_number(fake, country), mobile=phone_number(fake, country),
        job_title=fake.job()[:150],
        street=fake.street_address(), postcode=fake.postcode(), city=fake.city(),
        country=country, preferred_language=LANGUAGE_OF_COUNTRY.get(country, "en"),
        responsible_user=rng.choice(users), tags=rng.sample(tags, k=rng.randint(0, 2)),
        address_book_sync=rng.random() < 0.3,
    )
    national_id = _national_id(fake, country)
    if national_id:
        contact.national_id, contact.national_id_country = national_id, country
        contact.birth_date = identifiers.birth_date_from_national_id(national_id, country)
    for channel in ("phone", "email", "letter"):
        if rng.random() < 0.5:
            setattr(contact, f"consent_{channel}", True)
            setattr(contact, f"consent_{channel}_date", consent_day)
            setattr(contact, f"consent_{channel}_source", rng.choice(CONSENT_SOURCES[country]))
    return contact


def _employ(contact: Contact, rng: random.Random, companies: list[Organisation]) -> None:
    """A current job, and for some people a past one kept as history (B5)."""
    current, *others = rng.sample(companies, k=min(2, len(companies)))
    started = date.today() - timedelta(days=rng.randint(30, 2000))
    if others and rng.random() < 0.3:
        contact.employments.append(Employment(
            organisation=others[0], title=contact.job_title,
            start_date=started - timedelta(days=rng.randint(400, 3000)),
            end_date=started - timedelta(days=1)))
    contact.employments.append(Employment(organisation=current, title=contact.job_title,
                                          start_date=started, is_primary=True))
