"""Benchmark: the contact list of one tenant holding many contacts, filtered, sorted
and searched on ordinary and configurable fields, through the real screens.

    make bench                       # 200 000 contacts on PostgreSQL
    BENCH_CONTACTS=1000000 make bench

Uses (and recreates) the database named by BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/kontakt_bench). Prints the time of each list
request (median of five) and the plan PostgreSQL chose for the filtered query."""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import date, timedelta

from flask_migrate import upgrade
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Contact  # noqa: E402
from app.services import accounts  # noqa: E402
from app.services.fields import admin as field_admin  # noqa: E402
from app.services.fields.admin import ChoiceInput, FieldInput  # noqa: E402
from app.tenancy import tenant_context  # noqa: E402

URL = os.environ.get("BENCH_DATABASE_URL",
                     "postgresql+psycopg://postgres@127.0.0.1:5432/kontakt_bench")
CONTACTS = int(os.environ.get("BENCH_CONTACTS", "200000"))
BATCH = 10_000
LEVELS = ("gold", "silver", "bronze", "none")


def recreate_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def define_fields(tenant_id: int) -> None:
    with tenant_context(tenant_id):
        section = field_admin.create_section("contact", {"en": "Points of attention"})
        for data in (
            FieldInput(labels={"en": "Level"}, field_type="choice", show_in_list=True,
                       choices=[ChoiceInput({"en": level.title()}) for level in LEVELS]),
            FieldInput(labels={"en": "Visits"}, field_type="integer", show_in_list=True),
            FieldInput(labels={"en": "Met on"}, field_type="date", show_in_list=True),
            FieldInput(labels={"en": "Note"}, field_type="text", searchable=True),
        ):
            field_admin.create_field(section, data)
            db.session.flush()
        db.session.commit()


def fill(tenant_id: int, count: int) -> None:
    rng = random.Random(1)
    start = date(2020, 1, 1)
    rows = []
    for index in range(count):
        rows.append({
            "tenant_id": tenant_id, "kind": "company", "first_name": f"First{index}",
            "last_name": f"Last{rng.randint(0, 50_000):05d}", "email": f"p{index}@bench.example",
            "phone": f"+4520{index:06d}",
            "custom": {"level": rng.choice(LEVELS), "visits": rng.randint(0, 500),
                       "met_on": (start + timedelta(days=rng.randint(0, 2000))).isoformat(),
                       **({"note": "ring om fredagen"} if index % 1000 == 0 else {})},
        })
        if len(rows) == BATCH:
            db.session.execute(insert(Contact), rows)
            rows.clear()
    if rows:
        db.session.execute(insert(Contact), rows)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def timed(client, url: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def filter_index(app, key: str, kind: str, tenant_id: int) -> int:
    [view] = [v for v in app.extensions["admin"][0]._views if v.endpoint == "contact"]
    with app.test_request_context(), tenant_context(tenant_id):
        return next(i for i, flt in enumerate(view._filters)
                    if getattr(getattr(flt, "field", None), "key", None) == key
                    and flt.kind == kind)


def sort_index(app, name: str, tenant_id: int) -> int:
    [view] = [v for v in app.extensions["admin"][0]._views if v.endpoint == "contact"]
    with app.test_request_context(), tenant_context(tenant_id):
        return [column for column, _label in view._list_columns].index(name)


def explain(tenant_id: int, condition: str) -> str:
    plan = db.session.execute(text(
        f"EXPLAIN ANALYZE SELECT id FROM contact WHERE tenant_id = {tenant_id} AND {condition} "
        "ORDER BY last_name LIMIT 20")).scalars()
    return "\n".join(f"    {line}" for line in plan)


def main() -> None:
    recreate_database(URL)
    app = create_app({"SQLALCHEMY_DATABASE_URI": URL, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        tenant = accounts.create_tenant("Bench", "bench", "en")
        accounts.create_user("admin@bench.example", "bench-pass", tenant=tenant,
                             full_name="Bench", role="admin")
        db.session.commit()
        define_fields(tenant.id)
        started = time.perf_counter()
        with tenant_context(tenant.id):
            fill(tenant.id, CONTACTS)
        print(f"inserted {CONTACTS} contacts in {time.perf_counter() - started:.1f} s")
        level = filter_index(app, "level", "equals", tenant.id)
        visits = filter_index(app, "visits", "at_least", tenant.id)
        met = filter_index(app, "met_on", "between", tenant.id)
        scenarios = [
            ("list, first page (20 rows)", "/admin/contact/"),
            ("search last name 'Last0123'", "/admin/contact/?search=Last0123"),
            ("search phone digits", "/admin/contact/?search=20001234"),
            ("filter choice Level = gold", f"/admin/contact/?flt0_{level}=gold"),
            ("filter Visits >= 495", f"/admin/contact/?flt0_{visits}=495"),
            ("filter Met on in one month",
             f"/admin/contact/?flt0_{met}=2022-01-01+to+2022-01-31"),
            ("sort by Visits (custom)",
             f"/admin/contact/?sort={sort_index(app, 'cf_visits', tenant.id)}"),
            ("sort by Visits, descending",
             f"/admin/contact/?sort={sort_index(app, 'cf_visits', tenant.id)}&desc=1"),
            ("search custom text 'fredagen'", "/admin/contact/?search=fredagen"),
        ]
        client = app.test_client()
        client.post("/login", data={"email": "admin@bench.example", "password": "bench-pass"})
        print(f"\n{'list request':40} {'median ms':>10}")
        for label, url in scenarios:
            print(f"{label:40} {timed(client, url):10.0f}")
        print("\nplan of 'Level = gold' (GIN index on custom):")
        print(explain(tenant.id, """custom @> '{"level": "gold"}'"""))


if __name__ == "__main__":
    main()
