"""Demo cases and tasks for a demo tenant: cases of every status on its contacts, and
tasks on those cases and on contacts — some done, most open, and every user with at
least one overdue task, so "My tasks" shows what it is for."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.models import Case, Contact, DictionaryEntry, Task, User
from app.models.case import CASE_CLOSED, CASE_OPEN, CASE_REJECTED
from app.models.dictionary import CASE_CATEGORY, PRIORITY, TASK_STATUS
from app.services import accounts, dictionaries
from app.services.work import cases, tasks

CASE_TITLES = {
    "da_DK": ["Reklamation over levering", "Spørgsmål til faktura", "Ny ordre på reservedele",
              "Opsigelse af aftale", "Fejl i installation", "Ønske om tilbud",
              "Ændring af adresse", "Support på software"],
    "sv_SE": ["Reklamation av leverans", "Fråga om faktura", "Ny order på reservdelar",
              "Uppsägning av avtal", "Fel vid installation", "Önskemål om offert",
              "Ändrad adress", "Support för programvara"],
    "pl_PL": ["Reklamacja dostawy", "Pytanie o fakturę", "Nowe zamówienie części",
              "Wypowiedzenie umowy", "Błąd instalacji", "Prośba o ofertę",
              "Zmiana adresu", "Wsparcie oprogramowania"],
}
TASK_TITLES = {
    "da_DK": ["Ring kunden op", "Send tilbud", "Følg op på faktura", "Book møde",
              "Bestil reservedele", "Skriv referat", "Tjek betaling"],
    "sv_SE": ["Ring kunden", "Skicka offert", "Följ upp faktura", "Boka möte",
              "Beställ reservdelar", "Skriv protokoll", "Kontrollera betalning"],
    "pl_PL": ["Zadzwoń do klienta", "Wyślij ofertę", "Sprawdź fakturę", "Umów spotkanie",
              "Zamów części", "Napisz notatkę", "Sprawdź płatność"],
}
ZONE = ZoneInfo("Europe/Copenhagen")  # Copenhagen, Stockholm and Warsaw share it


@dataclass
class Pool:
    """What the demo records are made of, loaded once."""

    locale: str
    people: list[Contact]
    users: list[User]
    categories: list[DictionaryEntry]
    priorities: list[DictionaryEntry]
    cases: list[Case] = field(default_factory=list)


def fill_cases(tenant, faker_locale: str, contacts: int) -> None:
    rng = random.Random(tenant.id)
    pool = Pool(faker_locale, list(db.session.scalars(select(Contact).order_by(Contact.id))),
                accounts.active_users(), dictionaries.entries(CASE_CATEGORY),
                dictionaries.entries(PRIORITY))
    if not pool.people or not pool.users:
        return
    pool.cases = [_case(rng, pool) for _ in range(max(3, contacts // 3))]
    statuses = dictionaries.entries(TASK_STATUS)
    open_statuses = [s for s in statuses if not s.is_done] or statuses
    done_statuses = [s for s in statuses if s.is_done] or statuses
    # every user first gets an overdue task, then a mix of done, open and overdue ones
    for index in range(max(len(pool.users), contacts // 2)):
        overdue = index < len(pool.users) or rng.random() < 0.2
        status = rng.choice(open_statuses if overdue or rng.random() < 0.7 else done_statuses)
        _task(rng, pool, pool.users[index % len(pool.users)], status, overdue)
    db.session.flush()


def _case(rng: random.Random, pool: Pool) -> Case:
    case = cases.new_case()
    case.title = rng.choice(CASE_TITLES[pool.locale])
    case.primary_contact = rng.choice(pool.people)
    case.secondary_contacts = [c for c in rng.sample(pool.people, k=min(2, len(pool.people)))
                               if c is not case.primary_contact][:rng.randint(0, 2)]
    case.category = _maybe(rng, pool.categories)
    case.opened_on = date.today() - timedelta(days=rng.randint(1, 400))
    case.status = rng.choices((CASE_OPEN, CASE_CLOSED, CASE_REJECTED), (6, 3, 1))[0]
    if case.status != CASE_OPEN:
        case.closed_on = min(date.today(), case.opened_on + timedelta(days=rng.randint(1, 60)))
    case.description = rng.choice(TASK_TITLES[pool.locale])
    cases.prepare(case, is_new=True, creator_id=rng.choice(pool.users).id)
    db.session.add(case)
    return case


def _task(rng: random.Random, pool: Pool, assignee: User, status: DictionaryEntry,
          overdue: bool) -> None:
    days = -rng.randint(1, 20) if overdue else rng.randint(-20, 30)
    due = datetime.combine(date.today() + timedelta(days=days),
                           time(rng.randint(8, 16), rng.choice((0, 30))), ZONE)
    task = Task(title=rng.choice(TASK_TITLES[pool.locale]), status=status, assignee=assignee,
                priority=_maybe(rng, pool.priorities),
                due_at=due if overdue or rng.random() < 0.85 else None)
    if rng.random() < 0.6:
        task.case = rng.choice(pool.cases)
        task.contact = task.case.primary_contact
    else:
        task.contact = rng.choice(pool.people)
    if status.is_done:
        task.completed_at = min(due, datetime.now(ZONE))
    tasks.prepare(task, is_new=True, creator_id=assignee.id)
    db.session.add(task)


def _maybe(rng: random.Random, entries: list[DictionaryEntry]) -> DictionaryEntry | None:
    """An entry most of the time, sometimes none."""
    return rng.choice(entries) if entries and rng.random() < 0.8 else None
