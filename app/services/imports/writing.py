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

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime
from itertools import chain
from typing import Any, cast

from sqlalchemy import JSON, Boolean, Column, Connection, Date, Table, event
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

    def __init__(self, model: type, columns: Sequence[str], *, stamped: bool = True,
                 overlap: Overlap | None = None) -> None:
        self.table = cast(Table, cast(Any, model).__table__)
        self.columns = tuple(columns)
        self.stamped = stamped
        self.dialect = db.session.get_bind().dialect
        self.overlap = overlap
        self.staged = False  # PostgreSQL: its staging table made in this transaction
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
        self.insert_converted(self.converted(rows), ids, constants)

    def converted(self, rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        """The rows with their values converted for the driver (see insert_converted)."""
        return [self._converted(row) for row in rows] if self.converters else rows

    def insert_converted(self, data: Sequence[Sequence[Any]], ids: Sequence[int] | None = None,
                         constants: dict[str, Any] | None = None) -> None:
        """insert() of rows already converted: an import converts them before it waits
        for the server (PostgreSQL, see Overlap)."""
        constants = dict(constants or {})
        if self.stamped:
            now = datetime.now(UTC)
            constants.update(tenant_id=current_tenant_id(), created_at=now, updated_at=now)
        names = (*(("id",) if ids is not None else ()), *self.columns, *constants)
        tail = tuple(self._converted_constant(name, value) for name, value in constants.items())
        if self.dialect.name == "postgresql":
            # COPY passes none of the engine's statement events, so what their guard
            # drops (NUL, lone surrogates) is dropped here — from the rows before the
            # constants are added to each (repr of a datetime costs 3 µs: the stamps
            # tripled the check's cost), and from the constants once. The rows an
            # import reads hold none already (reading.py): this is the guard's check.
            data, tail = storable(data), storable(tail)
        if ids is not None:
            rows_sent = [(record_id, *values, *tail)
                         for record_id, values in zip(ids, data, strict=True)]
        else:
            rows_sent = [(*values, *tail) for values in data]
        connection = db.session.connection()
        if self.dialect.name != "postgresql":
            self._send_values(connection, names, rows_sent)
        elif self.overlap is None:
            self._send_copy(connection, self._quoted(names)[0], names, rows_sent)
        else:
            self._send_staged(connection, names, rows_sent)

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

    def _send_copy(self, connection: Connection, target: str, names: Sequence[str],
                   data: list[tuple[Any, ...]]) -> None:
        """PostgreSQL: ``COPY … FROM STDIN`` — the rows (checked for what the engine's
        guard drops by insert_converted) streamed, psycopg adapting each value in C."""
        quoted = self._quoted(names)[1]
        if self.overlap is not None:
            self.overlap.settle()  # COPY cannot run while statements are under way
        raw = cast(Any, connection.connection).driver_connection
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {target} ({quoted}) FROM STDIN") as copy:
            for row in data:
                copy.write_row(row)

    def _send_staged(self, connection: Connection, names: Sequence[str],
                     data: list[tuple[Any, ...]]) -> None:
        """PostgreSQL with an Overlap: the rows copied into a temporary table of the
        same columns (no index, key or WAL: quick for the server), and the statements
        that move them into the table queued — sent by Overlap.send without waiting."""
        table, quoted = self._quoted(names)
        staging = f"pg_temp.{self.dialect.identifier_preparer.quote(f'import_{self.table.name}')}"
        assert self.overlap is not None
        self.overlap.flush_if_queued(staging)
        if not self.staged:  # dropped by the end of the transaction
            connection.exec_driver_sql(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS "
                f"SELECT {quoted} FROM {table} WITH NO DATA")
            self.staged = True
        self._send_copy(connection, staging, names, data)
        self.overlap.queue(staging, f"INSERT INTO {table} ({quoted}) "
                                    f"SELECT {quoted} FROM {staging}; TRUNCATE {staging}")


class Overlap:
    """PostgreSQL: the server's work on a batch (the indexes, the foreign keys) done
    while the import reads and checks the next one, instead of the two taking turns.

    A batch's rows are copied into temporary tables, and the statements moving them
    into the tables are queued; ``send`` sends them in pipeline mode without waiting
    for their end, and ``settle`` collects their results (raising the first error: the
    transaction is then aborted, so an import in mode ``all`` rolls back everything).
    Any statement on the import's connection settles first (and sends what is queued:
    a statement may read what the batch wrote), through the engine's event; COPY
    settles itself (it passes no event, and cannot run in pipeline mode)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.raw = cast(Any, connection.connection).driver_connection
        self.queued: list[tuple[str, str]] = []  # (staging table, statements)
        self.pipeline: ExitStack | None = None
        self.sent: list[str] = []  # the statements under way
        event.listen(connection, "before_cursor_execute", self._before_statement)

    def _before_statement(self, *_args: Any) -> None:
        self.flush()

    def queue(self, staging: str, statements: str) -> None:
        self.queued.append((staging, statements))

    def flush_if_queued(self, staging: str) -> None:
        """Before a staging table is filled again: its rows moved out first."""
        if any(name == staging for name, _statements in self.queued):
            self.flush()

    def send(self) -> None:
        """The queued statements sent in pipeline mode; their results left to come."""
        if not self.queued:
            return
        self.settle()
        self.sent = [statement for _staging, statements in self.queued
                     for statement in statements.split("; ")]
        self.queued.clear()
        self.pipeline = ExitStack()
        with self._errors_raised_as_sqlalchemy_raises_them():
            self.pipeline.enter_context(self.raw.pipeline())
            with self.raw.cursor() as cursor:
                for statement in self.sent:
                    cursor.execute(statement)  # may raise what an earlier one met

    def settle(self) -> None:
        """The sent statements' results collected (their first error raised)."""
        if self.pipeline is None:
            return
        pipeline, self.pipeline = self.pipeline, None
        with self._errors_raised_as_sqlalchemy_raises_them():
            pipeline.close()

    @contextmanager
    def _errors_raised_as_sqlalchemy_raises_them(self) -> Iterator[None]:
        """The driver's error raised as SQLAlchemy's (a constraint met is an
        IntegrityError on either database), the pipeline left behind."""
        driver_error = self.connection.dialect.loaded_dbapi.Error
        try:
            yield
        except driver_error as error:
            if self.pipeline is not None:
                pipeline, self.pipeline = self.pipeline, None
                with suppress(driver_error):  # the same error, told once
                    pipeline.close()
            raise DBAPIError.instance("; ".join(self.sent), None, error,
                                      driver_error) from error

    def flush(self) -> None:
        self.send()
        self.settle()

    def close(self, failed: bool) -> None:
        """At the import's end: everything queued done; after a failure, nothing more
        sent, and what was under way collected without raising again."""
        event.remove(self.connection, "before_cursor_execute", self._before_statement)
        if failed:
            self.queued.clear()
            with suppress(Exception):  # the import's own error is the one raised
                self.settle()
        else:
            self.flush()


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
    entries as after a flush. Used as a context manager: on PostgreSQL a batch's
    statements are still under way when a method returns (see Overlap); leaving the
    block waits for them.

    (A thread of the writer's own, sending a batch while the next was read, with
    Python's switch interval lowered for the import, was measured against this: on two
    busy cores it cost 8 % more CPU for no gain in time, on either database — see
    docs/performance.md. The switch interval is process-wide, so it went too.)"""

    def __init__(self) -> None:
        connection = db.session.connection()
        self.overlap = Overlap(connection) if connection.dialect.name == "postgresql" \
            else None
        tables = {"overlap": self.overlap}
        self.contacts = BulkTable(Contact, CONTACT_COLUMNS, **tables)
        self.organisations = BulkTable(Organisation, ORGANISATION_COLUMNS, **tables)
        self.employments = BulkTable(Employment, EMPLOYMENT_COLUMNS, **tables)
        self.history = BulkTable(AuditEntry, HISTORY_COLUMNS, stamped=False, **tables)

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_rest: Any) -> None:
        if self.overlap is not None:
            self.overlap.close(failed=kind is not None)

    def send(self) -> None:
        """The batch's writing sent on (PostgreSQL: not waited for; the next statement
        on the connection waits)."""
        if self.overlap is not None:
            self.overlap.send()

    def contacts_created(self, rows: Sequence[Sequence[Any]],
                         employments: list[list[Any]], user_id: int | None) -> list[int]:
        """Contacts (``CONTACT_COLUMNS``) with their employments (each lacking the
        contact's id, put first) and history, written; the contacts' ids."""
        # what needs no id made first: on PostgreSQL while the server still writes
        # the previous batch (reserving ids waits for it)
        data = self.contacts.converted(rows)
        history = _History(Contact, rows, CONTACT_COLUMNS)
        ids = self.contacts.reserve_ids(len(rows))
        self.contacts.insert_converted(data, ids, CONTACT_DEFAULTS)
        for contact_id, employment in zip(ids, employments, strict=True):
            employment[0] = contact_id
        self.employments.insert(employments)
        self._record(history, ids, user_id)
        return ids

    def organisations_created(self, rows: Sequence[Sequence[Any]],
                              user_id: int | None) -> list[int]:
        """Organisations (``ORGANISATION_COLUMNS``) with their history, written; their
        ids."""
        if not rows:
            return []
        data = self.organisations.converted(rows)
        history = _History(Organisation, rows, ORGANISATION_COLUMNS)
        ids = self.organisations.reserve_ids(len(rows))
        self.organisations.insert_converted(data, ids)
        self._record(history, ids, user_id)
        return ids

    def _record(self, history: _History, ids: Sequence[int], user_id: int | None) -> None:
        """One "created" history entry per new record (``history``'s values); the
        history's observers told once it is written, as after a flush."""
        now = datetime.now(UTC)
        tenant_id = cast(int, current_tenant_id())  # an import runs inside its tenant
        # the JSON of the changes is the one value of the history's rows to convert
        self.history.insert_converted(
            list(zip(ids, history.texts, strict=True)),
            constants={"tenant_id": tenant_id, "user_id": user_id, "entity": history.entity,
                       "action": audit.ACTION_CREATE, "created_at": now})
        audit.announce(db.session(), [
            audit.Recorded(tenant_id, history.entity, record_id, audit.ACTION_CREATE, change,
                           None)
            for record_id, change in zip(ids, history.changes, strict=True)])


class _History:
    """The "created" history values of new records' rows, and their JSON."""

    def __init__(self, model: type[Contact | Organisation], rows: Sequence[Sequence[Any]],
                 columns: Sequence[str]) -> None:
        self.entity = model.__tablename__
        recorded = _Recorded(model, columns)
        self.changes = [recorded.changes(row) for row in rows]
        self.texts = [json_without_nul(change) for change in self.changes]


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
