"""The import's speed: a generated CSV of contacts (names, e-mail, phone, organisation
of 2,000, city, date of birth — every value checked as a form would) imported into an
empty tenant, rows per second. ``make bench`` measures it on SQLite and, when
BENCH_IMPORT_PG_URL (or a PostgreSQL BENCH_DATABASE_URL, beside
which a database named …_import is made) is set, on PostgreSQL;
``python -m bench.imports`` measures it alone.

Environment: BENCH_IMPORT_ROWS (100000; 0 skips it), BENCH_IMPORT_PG_URL (a database
that is dropped and created anew)."""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path
from typing import cast

from flask_migrate import upgrade
from sqlalchemy import String, Table, insert, literal, select
from sqlalchemy.engine import Connection, make_url

from app.config import normalise_database_url
from app.extensions import db
from app.models import AuditEntry, Contact, Employment, Organisation, User
from app.services import accounts
from app.services.imports import mapping, reading, runner
from app.tenancy import tenant_context
from bench import data

HEADER = "Fornavn;Efternavn;E-mail;Mobil;Firma;By;Fødselsdato\n"
FIRST = ("Anna", "Søren", "Mette", "Lars", "Åse", "Jens", "Ida", "Mikkel", "Karen", "Ole")
LAST = ("Hansen", "Jørgensen", "Nielsen", "Ærø", "Pedersen", "Kristensen", "Møller")
CITIES = ("København", "Århus", "Odense", "Aalborg", "Esbjerg")


def write_file(path: Path, rows: int, seed: int = 14) -> None:
    """A Danish Excel export: ``;``, UTF-8 with BOM, local phone numbers and dates."""
    chance = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write(HEADER)
        for n in range(rows):
            day = f"{chance.randint(1, 28):02d}-{chance.randint(1, 12):02d}-" \
                  f"{chance.randint(1940, 2000)}"
            out.write(f"{chance.choice(FIRST)};{chance.choice(LAST)} {n};"
                      f"person{n}@firma{n % 2000}.dk;{21_234_567 + n};"
                      f"Firma {n % 2000} ApS;{chance.choice(CITIES)};{day}\n")


def measure(url: str, rows: int) -> dict:
    """Rows per second importing ``rows`` generated rows into a new database at ``url``."""
    data.recreate_database(url)
    from bench.run import make_app

    app = make_app(url)
    with tempfile.TemporaryDirectory() as folder, app.app_context():
        upgrade()
        path = Path(folder) / "contacts.csv"
        write_file(path, rows)
        tenant = accounts.create_tenant("Import ApS", "import", "da")
        accounts.create_user("import@bench.example", "bench-pass-1", tenant=tenant,
                             role="admin")
        db.session.commit()
        with tenant_context(tenant.id):
            user = db.session.scalar(select(User).where(User.email == "import@bench.example"))
            source = reading.open_source(path)
            plan = runner.ImportPlan(mapping.CONTACTS, source,
                                     mapping.guess(mapping.CONTACTS, source.headers))
            started, cpu = time.perf_counter(), time.process_time()
            result = runner.run_import(plan, user)
            db.session.commit()
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
        floor = database_alone(tenant.id)
        db.engine.dispose()
    return {"database": make_url(url).get_backend_name(), "rows": rows,
            "created": result.created, "refused": result.refused,
            "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
            "rows_per_second": round(rows / seconds),
            "database_alone_seconds": round(floor, 2),
            "database_alone_rows_per_second": round(rows / floor)}


# Added to the copies' ids, customer numbers and references to copied records; their
# e-mail addresses and names get a prefix: the tenant's unique keys then hold for them.
COPY_OFFSET = 10_000_000


def database_alone(tenant_id: int) -> float:
    """Seconds the database takes to write once more what the import wrote — its
    organisations, contacts, employments and history, copied row for row by INSERT …
    SELECT inside the database (every index, constraint and trigger at work) and rolled
    back: the floor that no importing code can go below on this machine. Reading the
    rows to copy is counted too (a few per cent)."""
    with db.engine.connect() as connection:
        transaction = connection.begin()
        try:
            started = time.perf_counter()
            for table, prefixed, shifted in COPIED:
                _copy(connection, table, tenant_id, prefixed, ("id", *shifted))
            return time.perf_counter() - started
        finally:
            transaction.rollback()


# (table, columns prefixed, columns shifted besides the id), in the import's order
COPIED: tuple[tuple[Table, tuple[str, ...], tuple[str, ...]], ...] = (
    (cast(Table, Organisation.__table__), ("name",), ()),
    (cast(Table, Contact.__table__), ("email",), ("customer_number", "organisation_id")),
    (cast(Table, Employment.__table__), (), ("contact_id", "organisation_id")),
    (cast(Table, AuditEntry.__table__), (), ("record_id",)),
)


def _copy(connection: Connection, table: Table, tenant_id: int,
          prefixed: tuple[str, ...], shifted: tuple[str, ...]) -> None:
    values = [literal("copy-", String) + column if column.name in prefixed
              else column + COPY_OFFSET if column.name in shifted else column
              for column in table.c]
    connection.execute(insert(table).from_select(
        [column.name for column in table.c],
        select(*values).where(table.c.tenant_id == tenant_id)))


def urls() -> list[str]:
    root = Path(__file__).resolve().parent.parent
    found = [normalise_database_url(f"sqlite:///{root / 'instance' / 'bench_import.db'}")]
    postgres = os.environ.get("BENCH_IMPORT_PG_URL")
    pages = os.environ.get("BENCH_DATABASE_URL")
    if not postgres and pages and make_url(normalise_database_url(pages)
                                           ).get_backend_name() == "postgresql":
        # beside the pages' database (never it: it is made anew)
        pages_url = make_url(normalise_database_url(pages))
        postgres = pages_url.set(database=f"{pages_url.database}_import").render_as_string(
            hide_password=False)
    if postgres:
        found.append(normalise_database_url(postgres))
    return found


def measure_all() -> list[dict]:
    rows = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
    if rows <= 0:
        return []
    results = []
    for url in urls():
        result = measure(url, rows)
        print(f"import of {rows:,} contacts on {result['database']}: "
              f"{result['seconds']} s ({result['cpu_seconds']} s CPU here), "
              f"{result['rows_per_second']:,} rows/s; the database alone writing the "
              f"same rows: {result['database_alone_seconds']} s, "
              f"{result['database_alone_rows_per_second']:,} rows/s", flush=True)
        results.append(result)
    return results


if __name__ == "__main__":
    measure_all()
