"""Demo opportunities, campaigns and projects for a demo tenant (D10), made through the
same rules as the screens (services.sales)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Campaign, Contact, Opportunity, Organisation, Project, User
from app.models.sales import STAGES
from app.services.sales import records as sales

# Names in the tenant's language, so the demo reads like real data.
DEAL_KINDS = {
    "da_DK": ("Licensaftale", "Serviceaftale", "Rammeaftale", "Konsulentopgave",
              "Hardwarelevering", "Supportaftale"),
    "sv_SE": ("Licensavtal", "Serviceavtal", "Ramavtal", "Konsultuppdrag",
              "Hårdvaruleverans", "Supportavtal"),
    "pl_PL": ("Umowa licencyjna", "Umowa serwisowa", "Umowa ramowa", "Usługi doradcze",
              "Dostawa sprzętu", "Umowa wsparcia"),
}
CAMPAIGNS = {
    "da_DK": ("Forårskampagne", "Nyhedsbrev", "Messe", "Kundedag", "Webinar"),
    "sv_SE": ("Vårkampanj", "Nyhetsbrev", "Mässa", "Kunddag", "Webbinarium"),
    "pl_PL": ("Kampania wiosenna", "Newsletter", "Targi", "Dzień klienta", "Webinar"),
}
PROJECTS = {
    "da_DK": ("Implementering af CRM", "Ny webshop", "Flytning til skyen", "Udrulning af IT"),
    "sv_SE": ("Införande av CRM", "Ny webbutik", "Flytt till molnet", "Utrullning av IT"),
    "pl_PL": ("Wdrożenie CRM", "Nowy sklep internetowy", "Migracja do chmury",
              "Wdrożenie IT"),
}
SAMPLE_LIMIT = 500  # contacts and organisations drawn from, however many exist


def fill_sales(tenant, faker_locale: str, contacts: int) -> None:
    """Opportunities for about a fifth of the contacts, a few campaigns and projects."""
    fake = Faker(faker_locale)
    fake.seed_instance(tenant.id)
    rng = random.Random(tenant.id)
    people = list(db.session.scalars(
        select(Contact).options(joinedload(Contact.organisation))
        .order_by(Contact.id).limit(SAMPLE_LIMIT)))
    companies = list(db.session.scalars(
        select(Organisation).where(Organisation.is_private_customers.is_(False))
        .order_by(Organisation.id).limit(SAMPLE_LIMIT)))
    user_ids = list(db.session.scalars(select(User.id).order_by(User.id)))
    if not people or not user_ids:
        return
    for _ in range(max(3, contacts // 5)):
        db.session.add(_opportunity(rng, faker_locale, people, companies, user_ids))
    for name in CAMPAIGNS.get(faker_locale, CAMPAIGNS["da_DK"]):
        db.session.add(_campaign(fake, rng, name, people))
    for name in PROJECTS.get(faker_locale, PROJECTS["da_DK"]):
        db.session.add(_project(fake, rng, name, companies, people, user_ids))
    db.session.flush()


def _opportunity(rng, faker_locale, people, companies, user_ids) -> Opportunity:
    contact = rng.choice(people)
    # some deals are with a company as a whole, some through a person
    organisation = rng.choice(companies) if companies and rng.random() < 0.3 else None
    kind = rng.choice(DEAL_KINDS.get(faker_locale, DEAL_KINDS["da_DK"]))
    target = organisation or contact.organisation or contact
    opportunity = Opportunity(
        title=f"{kind} – {target}"[:200], contact=None if organisation else contact,
        organisation=organisation, amount=rng.randrange(5, 500) * 1000,
        currency=sales.default_currency() if rng.random() < 0.85 else "EUR",
        stage=rng.choice(STAGES),
        expected_close_on=date.today() + timedelta(days=rng.randint(-60, 240)))
    sales.prepare_opportunity(opportunity, is_new=True, creator_id=rng.choice(user_ids))
    return opportunity


def _campaign(fake, rng, name, people) -> Campaign:
    starts = date.today() + timedelta(days=rng.randint(-300, 120))
    campaign = Campaign(
        name=f"{name} {starts.year}", starts_on=starts,
        ends_on=starts + timedelta(days=rng.randint(1, 60)),
        description=fake.paragraph(nb_sentences=2),
        participants=rng.sample(people, k=min(len(people), rng.randint(3, 25))))
    sales.prepare_campaign(campaign)
    return campaign


def _project(fake, rng, name, companies, people, user_ids) -> Project:
    starts = date.today() - timedelta(days=rng.randint(0, 365))
    project = Project(
        name=name, organisation=rng.choice(companies) if companies else None,
        starts_on=starts, ends_on=starts + timedelta(days=rng.randint(30, 400)),
        description=fake.paragraph(nb_sentences=3),
        participants=rng.sample(people, k=min(len(people), rng.randint(2, 8))))
    sales.prepare_project(project, is_new=True, creator_id=rng.choice(user_ids))
    return project
