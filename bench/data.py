"""The benchmark tenant: N contacts in the Django peer's shape (the same first names,
last names ``<Surname><i % 5000>``, e-mails ``person<i>@example.com``, N/20
organisations "Firma <k>", 20 tags tag0…tag19, one per contact) plus what only we have:
employments, configurable field values, cases, tasks and activities (5 per contact, and
500 on the first contact, whose profile is measured).

The tenant, its users, dictionaries and field definitions go through the services;
the bulk of the rows is loaded past the ORM (bench.bulk), with explicit ids."""

from __future__ import annotations

import random
import time
from array import array
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import Connection, create_engine, func, select, text
from sqlalchemy.engine import make_url

from app.extensions import db
from app.models import Activity, Case, Contact, DictionaryEntry, Organisation, Tag, Task
from app.models.activity import KINDS as ACTIVITY_KINDS
from app.models.activity import activity_contact
from app.models.case import CASE_STATUSES
from app.models.contact import KIND_COMPANY, KIND_PRIVATE, Employment
from app.models.dictionary import CASE_CATEGORY, PRIORITY, TASK_STATUS
from app.models.tag import contact_tag
from app.models.tenant import Tenant
from app.services import accounts
from app.services.contacts import organisations
from app.services.fields import admin as field_admin
from app.services.fields.admin import ChoiceInput, FieldInput
from app.tenancy import tenant_context
from bench.bulk import indexes_deferred, insert_rows, next_id, reset_sequences

FIRST = ["Anne", "Mette", "Lars", "Jens", "Karin", "Erik", "Anna", "Piotr", "Zofia", "Łukasz",
         "Søren", "Åsa"]
LAST = ["Jensen", "Nielsen", "Hansen", "Andersson", "Johansson", "Kowalski", "Nowak",
        "Wiśniewska", "Pedersen", "Larsen", "Lindqvist", "Zieliński"]
LEVELS = ("Gold", "Silver", "Bronze", "None")
SLUG = "bench"
ADMIN_EMAIL = "admin@bench.example"
PASSWORD = "bench-pass"
USERS = 10  # the administrator and nine colleagues, to spread tasks and activities over
ACTIVITIES_PER_CONTACT = 5
HEAVY_ACTIVITIES = 500  # on the first contact (person0@example.com)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LOADED = [Contact.__table__, Employment.__table__, contact_tag, Activity.__table__,
          activity_contact, Case.__table__, Task.__table__]


def recreate_database(url: str) -> None:
    """An empty database: the SQLite file removed, or the PostgreSQL database made anew."""
    target = make_url(url)
    if target.get_backend_name() == "sqlite":
        if target.database:
            Path(target.database).unlink(missing_ok=True)
            Path(target.database).parent.mkdir(parents=True, exist_ok=True)
        return
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def existing_contacts(app: Flask) -> int | None:
    """How many contacts the benchmark tenant has, None without one (or a schema)."""
    with app.app_context():
        try:
            tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == SLUG))
        except Exception:  # no schema yet
            return None
        if tenant_id is None:
            return None
        return db.session.execute(select(func.count()).select_from(Contact.__table__).where(
            Contact.__table__.c.tenant_id == tenant_id)).scalar()


def generate(app: Flask, contacts: int) -> float:
    """Schema, tenant and rows; the seconds the rows took."""
    with app.app_context():
        upgrade()
        tenant_id, user_ids, private_org = _tenant()
        started = time.perf_counter()
        with db.engine.begin() as conn, indexes_deferred(conn, LOADED):
            _rows(conn, tenant_id, user_ids, private_org, contacts)
        took = time.perf_counter() - started
    settle(app.config["SQLALCHEMY_DATABASE_URI"])
    return took


def settle(url: str) -> None:
    """The database as it stands some time after a load: PostgreSQL's tables vacuumed and
    analysed (autovacuum's work, which a server without it — as on the benchmark's
    machine — never does: index-only scans then read the table too), SQLite's analysed."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    vacuum = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect() as conn:
        conn.execute(text(vacuum))
    engine.dispose()


def _tenant() -> tuple[int, list[int], int]:
    tenant = accounts.create_tenant("Bench", SLUG, "en")
    users = [accounts.create_user(ADMIN_EMAIL, PASSWORD, tenant=tenant, full_name="Bench Admin",
                                  role="admin", language="en")]
    users += [accounts.create_user(f"user{k}@bench.example", PASSWORD, tenant=tenant,
                                   full_name=f"User {k}") for k in range(1, USERS)]
    with tenant_context(tenant.id):
        section = field_admin.create_section("contact", {"en": "Points of attention"})
        for data in (
            FieldInput(labels={"en": "Level"}, field_type="choice", show_in_list=True,
                       choices=[ChoiceInput({"en": level}) for level in LEVELS]),
            FieldInput(labels={"en": "Visits"}, field_type="integer", show_in_list=True),
        ):
            field_admin.create_field(section, data)
            db.session.flush()
        private_org = organisations.private_customers()
        db.session.flush()
        ids = (tenant.id, [u.id for u in users], private_org.id)
        db.session.commit()
    return ids


def _entries(conn: Connection, tenant_id: int, dictionary: str) -> list[int]:
    table = DictionaryEntry.__table__
    return list(conn.execute(select(table.c.id).where(
        table.c.tenant_id == tenant_id, table.c.dictionary == dictionary)).scalars())


def _rows(conn: Connection, tenant_id: int, user_ids: list[int], private_org: int,
          contacts: int) -> None:
    rnd = random.Random(7)
    tag0, org0, contact0 = (next_id(conn, m.__table__) for m in (Tag, Organisation, Contact))
    organisations_count = max(1, contacts // 20)
    insert_rows(conn, Tag.__table__, ({"id": tag0 + k, "tenant_id": tenant_id,
                                       "name": f"tag{k}"} for k in range(20)))
    insert_rows(conn, Organisation.__table__, (
        {"id": org0 + k, "tenant_id": tenant_id, "name": f"Firma {k}", "city": f"By {k % 300}"}
        for k in range(organisations_count)))
    org_of = array("i", (private_org if rnd.random() < 0.5
                         else org0 + rnd.randrange(organisations_count)
                         for _ in range(contacts)))
    insert_rows(conn, Contact.__table__, _contacts(rnd, tenant_id, contact0, org_of, private_org,
                                                   user_ids))
    insert_rows(conn, Employment.__table__, (
        {"id": contact0 + i, "tenant_id": tenant_id, "contact_id": contact0 + i,
         "organisation_id": org_of[i], "is_primary": True} for i in range(contacts)))
    insert_rows(conn, contact_tag, ({"contact_id": contact0 + i, "tag_id": tag0 + rnd.randrange(20)}
                                    for i in range(contacts)))
    _activities(conn, rnd, tenant_id, contact0, org_of, user_ids)
    _work(conn, rnd, tenant_id, contact0, org_of, user_ids)
    reset_sequences(conn, [m.__table__ for m in (Tag, Organisation, Contact, Employment,
                                                 Activity, Case, Task)])


def _contacts(rnd: random.Random, tenant_id: int, contact0: int, org_of: array,
              private_org: int, user_ids: list[int]):
    levels = [level.lower() for level in LEVELS]
    for i in range(len(org_of)):
        yield {"id": contact0 + i, "tenant_id": tenant_id,
               "kind": KIND_PRIVATE if org_of[i] == private_org else KIND_COMPANY,
               "first_name": rnd.choice(FIRST), "last_name": f"{rnd.choice(LAST)}{i % 5000}",
               "email": f"person{i}@example.com", "phone": f"+45{20000000 + i}",
               "organisation_id": org_of[i], "responsible_user_id": rnd.choice(user_ids),
               "custom": {"level": rnd.choice(levels), "visits": rnd.randrange(1000)}}


def _activities(conn: Connection, rnd: random.Random, tenant_id: int, contact0: int,
                org_of: array, user_ids: list[int]) -> None:
    """Five done activities per contact, then the first contact's extra ones."""
    first = next_id(conn, Activity.__table__)
    owners = array("i", (i for i in range(len(org_of)) for _ in range(ACTIVITIES_PER_CONTACT)))
    owners.extend([0] * (HEAVY_ACTIVITIES - ACTIVITIES_PER_CONTACT))
    minutes = 3 * 365 * 24 * 60

    def rows():
        for n, i in enumerate(owners):
            kind = rnd.choice(ACTIVITY_KINDS)
            yield {"id": first + n, "tenant_id": tenant_id, "kind": kind,
                   "subject": f"{kind.title()} {n}", "organisation_id": org_of[i],
                   "starts_at": NOW - timedelta(minutes=rnd.randrange(minutes)),
                   "duration_minutes": 30, "employee_id": rnd.choice(user_ids),
                   "completed": True}

    insert_rows(conn, Activity.__table__, rows())
    insert_rows(conn, activity_contact, ({"activity_id": first + n, "contact_id": contact0 + i}
                                         for n, i in enumerate(owners)))


def _work(conn: Connection, rnd: random.Random, tenant_id: int, contact0: int, org_of: array,
          user_ids: list[int]) -> None:
    """A case per 20 contacts, a task per 10 (a tenth of them the administrator's)."""
    contacts = len(org_of)
    case0, task0 = next_id(conn, Case.__table__), next_id(conn, Task.__table__)
    categories = _entries(conn, tenant_id, CASE_CATEGORY)
    statuses = _entries(conn, tenant_id, TASK_STATUS)
    priorities = _entries(conn, tenant_id, PRIORITY)
    cases = max(1, contacts // 20)

    def case_rows():
        for k in range(cases):
            i = rnd.randrange(contacts)
            yield {"id": case0 + k, "tenant_id": tenant_id, "reference": k + 1,
                   "title": f"Case {k}", "status": rnd.choice(CASE_STATUSES),
                   "primary_contact_id": contact0 + i, "organisation_id": org_of[i],
                   "responsible_user_id": rnd.choice(user_ids), "category_id":
                   rnd.choice(categories), "opened_on": date(2024, 1, 1) + timedelta(
                       days=rnd.randrange(1000))}

    def task_rows():
        for k in range(max(1, contacts // 10)):
            yield {"id": task0 + k, "tenant_id": tenant_id, "title": f"Task {k}",
                   "status_id": rnd.choice(statuses), "priority_id": rnd.choice(priorities),
                   "assignee_id": rnd.choice(user_ids),
                   "contact_id": contact0 + rnd.randrange(contacts),
                   "case_id": case0 + rnd.randrange(cases) if rnd.random() < 0.3 else None,
                   "due_at": NOW + timedelta(hours=rnd.randrange(-2000, 2000))}

    insert_rows(conn, Case.__table__, case_rows())
    insert_rows(conn, Task.__table__, task_rows())

