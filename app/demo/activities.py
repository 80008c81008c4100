"""Demo activities for a demo tenant (E): half a year of notes, meetings, e-mails, calls
and letters with the organisations' people, some completed, some still open, and the
planned ones ahead — several scheduled as the next contact of an earlier one. Made
through the same rules as the screens (services.activities)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, time, timedelta

from faker import Faker
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Activity, Case, Contact, Employment, Organisation
from app.models.activity import (
    CALL,
    CALL_IN,
    CALL_OUT,
    EMAIL,
    KINDS,
    LETTER,
    MAIL_RECEIVED,
    MAIL_SENT,
    MEETING,
    NOTE,
)
from app.models.base import utcnow
from app.models.dictionary import ACTIVITY_CATEGORY, PRIORITY
from app.services import accounts, dictionaries
from app.services.activities import activities
from app.services.times import display_zone

# Subjects and notes in the tenant's language, so the demo reads like real work.
SUBJECTS = {
    "da_DK": {
        MEETING: ("Opstartsmøde", "Statusmøde", "Gennemgang af tilbud", "Kvartalsmøde",
                  "Demo af løsningen"),
        EMAIL: ("Tilbud som aftalt", "Spørgsmål til fakturaen", "Referat af mødet",
                "Ny prisliste", "Bekræftelse af ordre"),
        CALL: ("Opfølgning på tilbud", "Spørgsmål om levering", "Aftale om møde",
               "Reklamation", "Fornyelse af aftale"),
        LETTER: ("Ordrebekræftelse", "Kontrakt til underskrift", "Rykker", "Velkomstbrev"),
    },
    "sv_SE": {
        MEETING: ("Uppstartsmöte", "Statusmöte", "Genomgång av offert", "Kvartalsmöte",
                  "Demo av lösningen"),
        EMAIL: ("Offert enligt överenskommelse", "Fråga om fakturan", "Protokoll från mötet",
                "Ny prislista", "Orderbekräftelse"),
        CALL: ("Uppföljning av offert", "Fråga om leverans", "Bokning av möte",
               "Reklamation", "Förlängning av avtal"),
        LETTER: ("Orderbekräftelse", "Avtal för underskrift", "Påminnelse", "Välkomstbrev"),
    },
    "pl_PL": {
        MEETING: ("Spotkanie otwierające", "Spotkanie statusowe", "Omówienie oferty",
                  "Spotkanie kwartalne", "Prezentacja rozwiązania"),
        EMAIL: ("Oferta zgodnie z ustaleniami", "Pytanie o fakturę", "Notatka ze spotkania",
                "Nowy cennik", "Potwierdzenie zamówienia"),
        CALL: ("Kontakt w sprawie oferty", "Pytanie o dostawę", "Umówienie spotkania",
               "Reklamacja", "Przedłużenie umowy"),
        LETTER: ("Potwierdzenie zamówienia", "Umowa do podpisu", "Wezwanie do zapłaty",
                 "List powitalny"),
    },
}
NOTES = {
    "da_DK": ("Kunden er tilfreds med leverancen og overvejer en udvidelse.",
              "Budgettet for næste år er ikke på plads endnu; ring igen i næste kvartal.",
              "Ønsker et tilbud på support inklusive weekender.",
              "Kontaktpersonen går på barsel; kollegaen overtager sagen.",
              "Vil gerne have en demo for ledelsesgruppen."),
    "sv_SE": ("Kunden är nöjd med leveransen och funderar på en utökning.",
              "Budgeten för nästa år är inte klar; ring igen nästa kvartal.",
              "Vill ha en offert på support även helger.",
              "Kontaktpersonen går på föräldraledighet; en kollega tar över.",
              "Vill gärna ha en demo för ledningsgruppen."),
    "pl_PL": ("Klient jest zadowolony z dostawy i rozważa rozszerzenie.",
              "Budżet na przyszły rok nie jest jeszcze gotowy; zadzwonić w następnym kwartale.",
              "Prosi o ofertę wsparcia także w weekendy.",
              "Osoba kontaktowa idzie na urlop; sprawę przejmuje koleżanka.",
              "Chętnie zobaczy prezentację dla zarządu."),
}
OUTCOMES = {
    "da_DK": ("Aftalt møde", "Sender tilbud", "Ikke truffet", "Ringer tilbage"),
    "sv_SE": ("Möte bokat", "Skickar offert", "Ej anträffad", "Ringer tillbaka"),
    "pl_PL": ("Umówione spotkanie", "Wyślemy ofertę", "Nieobecny", "Oddzwoni"),
}
OFFICE = {"da_DK": "Vores kontor", "sv_SE": "Vårt kontor", "pl_PL": "Nasze biuro"}
SAMPLE_LIMIT = 500  # organisations drawn from, however many exist
MOST_ACTIVITIES = 2_000  # a big demo tenant gets a history, not a flood
PLANNED_SHARE = 0.25
COMPLETED_SHARE = 0.6  # of the activities that happened
FOLLOW_UP_SHARE = 0.2


class _Demo:
    """What the filler draws from: people per organisation, users, cases, entries."""

    def __init__(self, tenant, faker_locale: str) -> None:
        self.rng = random.Random(tenant.id)
        self.fake = Faker(faker_locale)
        self.fake.seed_instance(tenant.id)
        self.locale = faker_locale if faker_locale in SUBJECTS else "da_DK"
        self.people = _people_by_organisation()
        self.organisations = sorted(self.people, key=lambda o: o.id)
        self.users = accounts.active_users()
        self.cases = _cases_by_organisation()
        self.priorities = dictionaries.entries(PRIORITY)
        self.categories = dictionaries.entries(ACTIVITY_CATEGORY)


def fill_activities(tenant, faker_locale: str, contacts: int) -> None:
    """About two activities per contact, every kind, planned and done."""
    db.session.flush()  # the contacts and organisations just made get their ids
    demo = _Demo(tenant, faker_locale)
    if not demo.organisations or not demo.users:
        return
    for index in range(min(max(10, contacts * 2), MOST_ACTIVITIES)):
        activity = _activity(demo, KINDS[index % len(KINDS)])
        activities.prepare(activity, is_new=True)
        db.session.add(activity)
        if not activity.planned and demo.rng.random() < FOLLOW_UP_SHARE:
            activities.schedule_follow_up(activity, activities.FollowUp(
                every=demo.rng.randint(1, 4),
                unit=demo.rng.choice((activities.DAYS, activities.WEEKS))))
    db.session.flush()


def _activity(demo: _Demo, kind: str) -> Activity:
    rng = demo.rng
    organisation = rng.choice(demo.organisations)
    people = demo.people[organisation]
    planned = rng.random() < PLANNED_SHARE
    activity = Activity(
        kind=kind, starts_at=_working_hour(rng, planned),
        organisation=organisation,
        contacts=rng.sample(people, k=min(len(people), rng.choice((1, 1, 1, 2)))),
        employee=rng.choice(demo.users), planned=planned,
        completed=not planned and rng.random() < COMPLETED_SHARE,
        case=rng.choice(demo.cases[organisation.id]) if demo.cases.get(organisation.id)
        and rng.random() < 0.4 else None,
        priority=rng.choice(demo.priorities) if demo.priorities else None,
        category=rng.choice(demo.categories) if demo.categories else None,
        subject="" if kind == NOTE else rng.choice(SUBJECTS[demo.locale][kind]),
        body=rng.choice(NOTES[demo.locale]) if kind == NOTE or rng.random() < 0.5 else None,
        duration_minutes=None if planned else rng.choice((5, 10, 15, 30, 45, 60, 90)))
    _kind_details(demo, activity)
    return activity


def _working_hour(rng: random.Random, ahead: bool) -> datetime:
    """A weekday time in office hours (display time zone): ahead for planned work, in
    the last half year for what happened."""
    days = rng.randint(1, 45) if ahead else -rng.randint(1, 180)
    day = utcnow().date() + timedelta(days=days)
    day -= timedelta(days=max(0, day.weekday() - 4))  # a weekend becomes its Friday
    moment = time(rng.randint(8, 15), rng.choice((0, 15, 30, 45)))
    return datetime.combine(day, moment, tzinfo=display_zone())


def _kind_details(demo: _Demo, activity: Activity) -> None:
    rng, person = demo.rng, activity.contacts[0]
    if activity.kind == MEETING:
        organisation = activity.organisation
        activity.location = (", ".join(p for p in (organisation.street, organisation.city) if p)
                             or OFFICE[demo.locale])
        activity.ends_at = activity.starts_at + timedelta(minutes=rng.choice((30, 60, 90)))
    elif activity.kind == CALL:
        activity.direction = rng.choice((CALL_IN, CALL_OUT))
        activity.phone_number = person.mobile or person.phone
        activity.outcome = None if activity.planned else rng.choice(OUTCOMES[demo.locale])
    elif activity.kind == EMAIL:
        outgoing = rng.random() < 0.6
        staff = activity.employee.email if activity.employee else None
        activity.mail_from = staff if outgoing else person.email
        activity.mail_to = (person.email if outgoing else staff) or None
        activity.mail_status = None if activity.planned else (
            MAIL_SENT if outgoing else MAIL_RECEIVED)
    elif activity.kind == LETTER:
        activity.body = activity.body or demo.fake.paragraph(nb_sentences=4)


def _people_by_organisation() -> dict[Organisation, list[Contact]]:
    """Current employees of up to SAMPLE_LIMIT organisations (private customers too)."""
    organisation_ids = select(Organisation.id).order_by(Organisation.id).limit(SAMPLE_LIMIT)
    employments = db.session.scalars(
        select(Employment)
        .where(Employment.organisation_id.in_(organisation_ids.scalar_subquery()),
               or_(Employment.end_date.is_(None), Employment.end_date >= utcnow().date()))
        .options(joinedload(Employment.contact), joinedload(Employment.organisation))
        .order_by(Employment.organisation_id, Employment.contact_id))
    people: dict[Organisation, list[Contact]] = defaultdict(list)
    for employment in employments:
        people[employment.organisation].append(employment.contact)
    return dict(people)


def _cases_by_organisation() -> dict[int, list[Case]]:
    cases: dict[int, list[Case]] = defaultdict(list)
    for case in db.session.scalars(select(Case).where(Case.organisation_id.is_not(None))
                                   .order_by(Case.id).limit(SAMPLE_LIMIT)):
        if case.organisation_id is not None:
            cases[case.organisation_id].append(case)
    return dict(cases)
