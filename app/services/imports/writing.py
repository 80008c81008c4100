"""Writing an import's new records in bulk: per table and batch, the new ids reserved by
one query and the rows sent as plain tuples in one statement (SQLite: a multi-row
``INSERT … VALUES``; PostgreSQL: ``COPY … FROM STDIN``), their history in one more.

The change history (app.audit) is written by ORM flush events for each mapped object;
an import of 100,000 rows cannot afford an ORM object and a flush per row, nor the
ORM's and SQLAlchemy's processing of each parameter. So new records are inserted past
the ORM — ``tenant_id`` set on each as app.tenancy sets it on new objects — and each
gets the history entry a form would have written ("created", with its values, by the
importing user) in bulk beside them; the history's observers (webhooks) hear of them
as of any flush's entries. Employments an import makes are not recorded apart: the
contact's entry names its organisation. Records an import updates go through the ORM
(and the usual events)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from itertools import chain
from typing import Any, cast

from sqlalchemy import JSON, Boolean, Column, Connection, Date, Table
from sqlalchemy.exc import DBAPIError

from app import audit
from app.extensions import db
from app.input_cleaning import json_without_nul, storable
from app.masking import mask_national_id
from app.models import AuditEntry, Contact, Employment, Organisation
from app.tenancy import current_tenant_id

Convert = Callable[[Any], Any]
STAMPS = ("tenant_id", "created_at", "updated_at")
SQLITE_PARAMETERS = 32_766  # SQLite's least limit of parameters in one statement


class BulkTable:
    """New rows of one table, written as plain tuples of ``columns`` (in that order)
    by one statement per batch.

    Values arrive as Python values (str, int, bool, date, dict for JSON); each column
    that needs it is converted the way its SQLAlchemy type would (JSON serialised once,
    without NUL; dates as SQLite stores them), the rest go to the driver untouched.
    ``constants`` — the same for every row (defaults) — are converted once per batch."""

    def __init__(self, model: type, columns: Sequence[str], *, stamped: bool = True) -> None:
        self.table = cast(Table, cast(Any, model).__table__)
        self.columns = tuple(columns)
        self.stamped = stamped
        self.dialect = db.session.get_bind().dialect
        self.converters = [(index, convert) for index, name in enumerate(self.columns)
                           if (convert := self._converter(self.table.c[name])) is not None]

    def _converter(self, column: Column) -> Convert | None:
        if isinstance(column.type, JSON):
            return _json
        # psycopg adapts dates and booleans itself; sqlite3 stores a bool as the 1 or 0
        # SQLAlchemy would turn it into
        if self.dialect.name == "sqlite" and not isinstance(column.type, Boolean):
            return column.type.dialect_impl(self.dialect).bind_processor(self.dialect)
        return None

    def reserve_ids(self, count: int) -> list[int]:
        """Ids no other row has or will be given: PostgreSQL's sequence advanced by
        ``count``; on SQLite (one writer at a time) those after the highest. Either way
        one query, never filtered by tenant (ids are shared by every tenant)."""
        if not count:
            return []
        connection = db.session.connection()
        if self.dialect.name == "postgresql":
            return sorted(connection.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence(%(table)s, 'id')) "
                "FROM generate_series(1, %(count)s)", {"table": self.table.name,
                                                      "count": count}).scalars())
        table = self.dialect.identifier_preparer.format_table(self.table)
        highest = connection.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar() or 0
        return list(range(highest + 1, highest + count + 1))

    def insert(self, rows: Sequence[Sequence[Any]], ids: Sequence[int] | None = None,
               constants: dict[str, Any] | None = None) -> None:
        """Insert the rows (with ``ids``, when given) by one statement."""
        constants = dict(constants or {})
        if self.stamped:
            now = datetime.now(UTC)
            constants.update(tenant_id=current_tenant_id(), created_at=now, updated_at=now)
        names = (*(("id",) if ids is not None else ()), *self.columns, *constants)
        tail = tuple(self._converted_constant(name, value) for name, value in constants.items())
        data: Sequence[Sequence[Any]] = rows
        if self.converters:
            data = [self._converted(row) for row in rows]
        if self.dialect.name == "postgresql":
            # COPY passes none of the engine's statement events, so what their guard
            # drops (NUL, lone surrogates) is dropped here — from the rows before the
            # constants are added to each (the repr of a datetime costs as much as a
            # row's other values: the stamps tripled the check's cost), and from the
            # constants once. The rows an import reads hold none already (reading.py):
            # this is the guard's own check.
            data, tail = storable(data), storable(tail)
        if ids is not None:
            rows_sent = [(record_id, *values, *tail)
                         for record_id, values in zip(ids, data, strict=True)]
        else:
            rows_sent = [(*values, *tail) for values in data]
        connection = db.session.connection()
        if self.dialect.name == "postgresql":
            self._send_copy(connection, names, rows_sent)
        else:
            self._send_values(connection, names, rows_sent)

    def _converted(self, row: Sequence[Any]) -> list[Any]:
        values = list(row)
        for index, convert in self.converters:
            if values[index] is not None:
                values[index] = convert(values[index])
        return values

    def _converted_constant(self, name: str, value: Any) -> Any:
        convert = self._converter(self.table.c[name])
        return convert(value) if convert is not None and value is not None else value

    def _quoted(self, names: Sequence[str]) -> tuple[str, str]:
        preparer = self.dialect.identifier_preparer
        return (preparer.format_table(self.table),
                ", ".join(preparer.quote(name) for name in names))

    def _send_values(self, connection: Connection, names: Sequence[str],
                     data: list[tuple]) -> None:
        """SQLite: ``INSERT … VALUES (…), (…), …`` — one statement for up to a batch,
        which SQLite runs in one step."""
        table, quoted = self._quoted(names)
        row = f"({', '.join('?' for _ in names)})"
        size = max(1, SQLITE_PARAMETERS // len(names))
        for start in range(0, len(data), size):
            part = data[start:start + size]
            connection.exec_driver_sql(
                f"INSERT INTO {table} ({quoted}) VALUES {', '.join([row] * len(part))}",
                tuple(chain.from_iterable(part)))

    def _send_copy(self, connection: Connection, names: Sequence[str],
                   data: list[tuple[Any, ...]]) -> None:
        """PostgreSQL: ``COPY … FROM STDIN`` — the rows streamed, psycopg adapting each
        value in C. COPY passes by SQLAlchemy, so its errors are raised here as
        SQLAlchemy raises the driver's: a constraint met is an IntegrityError on either
        database (commit_or_refuse refuses it as a conflict)."""
        table, quoted = self._quoted(names)
        statement = f"COPY {table} ({quoted}) FROM STDIN"
        raw = cast(Any, connection.connection).driver_connection
        driver_error = self.dialect.loaded_dbapi.Error
        try:
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in data:
                    copy.write_row(row)
        except driver_error as error:
            raise DBAPIError.instance(statement, None, error, driver_error) from error

# --- the rows of each table -----------------------------------------------------------

CONTACT_DEFAULTS = {
    "address_book_sync": False, "is_private": False, "email_access_restricted": False,
    "consent_phone": False, "consent_email": False, "consent_letter": False,
}
# The values of a checked row (rows.Record.values) first, then what the import adds.
CONTACT_VALUES = ("customer_number", "first_name", "last_name", "email", "phone", "mobile",
                  "job_title", "birth_date", "national_id", "national_id_country",
                  "preferred_language", "website", "street", "postcode", "city", "country")
CONTACT_COLUMNS = (*CONTACT_VALUES, "kind", "organisation_id", "custom",
                   "responsible_user_id", "photo")
ORGANISATION_VALUES = ("name", "registration_number", "registration_country", "phone",
                       "email", "website", "industry", "street", "postcode", "city",
                       "country", "notes")
ORGANISATION_COLUMNS = (*ORGANISATION_VALUES, "custom", "is_private_customers")
EMPLOYMENT_COLUMNS = ("contact_id", "organisation_id", "title", "is_primary")
HISTORY_COLUMNS = ("record_id", "changes")  # the rest the same for a batch's entries


class Writer:
    """The tables an import writes, each batch's new records sent at once (on the
    import's connection, in its transaction), the history's observers told of their
    entries as after a flush.

    (A thread of the writer's own, sending a batch while the next was read, with
    Python's switch interval lowered for the import, was measured against this: on two
    busy cores it cost 8 % more CPU for no gain in time, on either database — see
    docs/performance.md. The switch interval is process-wide, so it went too.)"""

    def __init__(self) -> None:
        self.contacts = BulkTable(Contact, CONTACT_COLUMNS)
        self.organisations = BulkTable(Organisation, ORGANISATION_COLUMNS)
        self.employments = BulkTable(Employment, EMPLOYMENT_COLUMNS)
        self.history = BulkTable(AuditEntry, HISTORY_COLUMNS, stamped=False)

    def contacts_created(self, rows: Sequence[Sequence[Any]],
                         employments: list[list[Any]], user_id: int | None) -> list[int]:
        """Contacts (``CONTACT_COLUMNS``) with their employments (each lacking the
        contact's id, put first) and history, written; the contacts' ids."""
        ids = self.contacts.reserve_ids(len(rows))
        self.contacts.insert(rows, ids, CONTACT_DEFAULTS)
        for contact_id, employment in zip(ids, employments, strict=True):
            employment[0] = contact_id
        self.employments.insert(employments)
        self.record_created(Contact, ids, rows, CONTACT_COLUMNS, user_id)
        return ids

    def organisations_created(self, rows: Sequence[Sequence[Any]],
                              user_id: int | None) -> list[int]:
        """Organisations (``ORGANISATION_COLUMNS``) with their history, written; their
        ids."""
        ids = self.organisations.reserve_ids(len(rows))
        if ids:
            self.organisations.insert(rows, ids)
            self.record_created(Organisation, ids, rows, ORGANISATION_COLUMNS, user_id)
        return ids

    def record_created(self, model: type[Contact | Organisation], ids: Sequence[int],
                       rows: Sequence[Sequence[Any]], columns: Sequence[str],
                       user_id: int | None) -> None:
        """One "created" history entry per new record, its values as the form's would
        be; the history's observers told once it is written, as after a flush."""
        if not ids:
            return
        now = datetime.now(UTC)
        tenant_id = cast(int, current_tenant_id())  # an import runs inside its tenant
        entity = model.__tablename__
        recorded = _Recorded(model, columns)
        changes = [recorded.changes(row) for row in rows]
        self.history.insert(
            list(zip(ids, changes, strict=True)),
            constants={"tenant_id": tenant_id, "user_id": user_id, "entity": entity,
                       "action": audit.ACTION_CREATE, "created_at": now})
        audit.announce(db.session(), [
            audit.Recorded(tenant_id, entity, record_id, audit.ACTION_CREATE, change, None)
            for record_id, change in zip(ids, changes, strict=True)])


def _json(value: Any) -> str:
    """A JSON column's text (most imported records have no configurable values: {})."""
    return "{}" if value == {} else json_without_nul(value)


class _Recorded:
    """The history's "created" values of rows of ``columns``, as audit.snapshot makes
    them for a record saved through the ORM: unset values left out, dates in ISO, the
    personal ID masked, configurable fields per key — read straight from the row."""

    def __init__(self, model: type, columns: Sequence[str]) -> None:
        skipped = {"organisation_id", "custom", "is_private_customers", "photo",
                   *CONTACT_DEFAULTS}
        self.recorded = [(index, name) for index, name in enumerate(columns)
                         if name not in skipped]
        table = cast(Table, cast(Any, model).__table__)
        self.dates = [name for name in columns if isinstance(table.c[name].type, Date)]
        self.masked = "national_id" in columns
        self.custom = columns.index("custom") if "custom" in columns else None

    def changes(self, row: Sequence[Any]) -> dict[str, list]:
        # unset: None, "" and False (a whole number 0 is a value; no recorded column
        # holds another kind of false value)
        changes: dict[str, list[Any]] = {name: [None, value] for index, name in self.recorded
                   if (value := row[index]) or type(value) is int}
        for name in self.dates:
            if name in changes:
                changes[name][1] = changes[name][1].isoformat()
        if self.masked and "national_id" in changes:
            changes["national_id"][1] = mask_national_id(changes["national_id"][1])
        if self.custom is not None and row[self.custom]:
            for key, value in sorted(row[self.custom].items()):
                changes[f"custom.{key}"] = [None, value]
        return changes
