"""Bulk loading of generated rows, past the ORM: COPY on PostgreSQL, executemany on
SQLite. Column defaults of the models (timestamps, flags, empty JSON) are filled in and
converted once per table, so generators only give what varies."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Table, func, select, text

BATCH = 20_000


def column_defaults(table: Table) -> dict[str, Any]:
    """Each column's Python-side default, computed once (the same for every row)."""
    values = {}
    for column in table.columns:
        default = column.default
        if default is None or column.primary_key:
            continue
        if default.is_scalar:
            values[column.key] = default.arg
        elif default.is_callable:
            values[column.key] = default.arg(None)
    return values


def _processors(conn: Connection, table: Table, names: list[str]) -> dict[str, Callable]:
    """What turns a Python value into the driver's: SQLAlchemy's own conversions on
    SQLite (JSON, dates, booleans); only JSON for COPY, which takes the rest natively."""
    dialect = conn.dialect
    found = {}
    for name in names:
        column_type = table.c[name].type
        if dialect.name == "postgresql":
            if column_type._type_affinity.__name__ == "JSON":
                found[name] = json.dumps
            continue
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            found[name] = processor
    return found


def insert_rows(conn: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert the rows (dicts of column keys; the first row names the columns given)."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    defaults = column_defaults(table)
    names = list(dict.fromkeys([*defaults, *first]))
    processors = _processors(conn, table, names)
    position = {name: i for i, name in enumerate(names)}
    fixed = [_convert(processors.get(name), defaults.get(name)) for name in names]

    def lists() -> Iterator[list]:
        for row in _chain(first, iterator):
            values = fixed.copy()
            for name, value in row.items():
                values[position[name]] = _convert(processors.get(name), value)
            yield values

    if conn.dialect.name == "postgresql":
        return _copy(conn, table, names, lists())
    return _executemany(conn, table, names, lists())


def _convert(processor: Callable | None, value: Any) -> Any:
    return value if processor is None or value is None else processor(value)


def _chain(first: dict, rest: Iterator[dict]) -> Iterator[dict]:
    yield first
    yield from rest


def _copy(conn: Connection, table: Table, names: list[str], rows: Iterator[list]) -> int:
    count = 0
    cursor = conn.connection.driver_connection.cursor()
    columns = ", ".join(f'"{name}"' for name in names)
    with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _executemany(conn: Connection, table: Table, names: list[str],
                 rows: Iterator[list]) -> int:
    statement = (f'INSERT INTO "{table.name}" ({", ".join(names)}) '
                 f'VALUES ({", ".join("?" for _ in names)})')
    cursor = conn.connection.driver_connection.cursor()
    count = 0
    while batch := list(islice(rows, BATCH)):
        cursor.executemany(statement, batch)
        count += len(batch)
    return count


def next_id(conn: Connection, table: Table) -> int:
    return (conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1


def reset_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """PostgreSQL: move each id sequence past the ids given explicitly by COPY."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM \"{table.name}\"))"))


@contextmanager
def indexes_deferred(conn: Connection, tables: Iterable[Table]) -> Iterator[None]:
    """Drop the tables' secondary indexes (not those of constraints) for the load and
    build them again after: one build per index instead of one update per row (GIN
    trigram indexes above all). On SQLite also the triggers that keep the full-text
    index, which is rebuilt after: per row, a million contacts took over half an hour."""
    names = [table.name for table in tables]
    if conn.dialect.name == "postgresql":
        definitions = conn.execute(text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
            "AND i.tablename = ANY(:names) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname)"), {"names": names}).all()
        dropped = [(f'DROP INDEX "{name}"', definition) for name, definition in definitions]
    else:
        listed = ", ".join(f"'{name}'" for name in names)
        definitions = conn.execute(text(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
            f"AND tbl_name IN ({listed}) AND sql IS NOT NULL")).all()
        dropped = [(f'DROP {kind.upper()} "{name}"', sql) for kind, name, sql in definitions]
    for drop, _definition in dropped:
        conn.execute(text(drop))
    yield
    for _drop, definition in dropped:
        conn.execute(text(definition))
    if conn.dialect.name == "sqlite":
        for (name,) in conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%'")).all():
            conn.execute(text(f"INSERT INTO \"{name}\"(\"{name}\") VALUES ('rebuild')"))
