"""SQLite's index for the contact search (migration 0023): an FTS5 table with the
trigram tokenizer over the contacts' names, e-mail and phone numbers.

It narrows the search to the contacts whose columns contain each word (three or more
characters; shorter ones it cannot look up), whatever the case of its letters; the
search's own condition (services.contacts.search_condition) still decides, so the
rows found are the same as without it. PostgreSQL has its trigram indexes instead."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    bindparam,
    column,
    inspect,
    literal_column,
    select,
    table,
    text,
    true,
)
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BooleanClauseList, TextClause

from app.extensions import db
from app.models import Contact

TABLE = "contact_search"
NAME_COLUMNS = ("last_name", "first_name", "email")
PHONE_COLUMNS = ("phone", "mobile")
SHORTEST = 3  # a trigram index finds nothing shorter
# Marks a condition's look-up in the index, and holds the index query it asks.
LOOKUP = "contact_search_query"

_available: WeakKeyDictionary[Engine, bool] = WeakKeyDictionary()


def available() -> bool:
    """Whether this database has the index (SQLite migrated where FTS5 has trigrams)."""
    engine: Engine = db.engine
    if engine.dialect.name != "sqlite":
        return False
    if engine not in _available:
        _available[engine] = inspect(engine).has_table(TABLE)
    return _available[engine]


def forget() -> None:
    """Ask the database again (after a schema change, in tests)."""
    _available.clear()


def searchable(word: str) -> bool:
    return len(word) >= SHORTEST and len(word.lower()) >= SHORTEST


def containing(word: str, columns: tuple[str, ...] = NAME_COLUMNS) -> ColumnElement[bool]:
    """Contacts with ``word`` in one of ``columns``, any case (``searchable`` words)."""
    phrase = '"' + word.replace('"', '""') + '"'
    query = "{" + " ".join(columns) + "}: " + phrase
    matches = select(text("rowid")).select_from(table(TABLE)).where(_match(query))
    return Contact.id.in_(matches)._annotate({LOOKUP: query})


def _match(query: str) -> TextClause:
    return text(f"{TABLE} MATCH :query").bindparams(bindparam("query", query, unique=True))


# --- a search with many matches ---------------------------------------------------------
#
# A look-up (``contact.id IN (SELECT rowid … MATCH …)``) has SQLite read every match of
# the index into a table of its own before the first row: ~1,000,000 entries for "son"
# (every e-mail holds "person"), 115–500 ms, in each statement that asks — a list's
# count, and its walk in the list's order. A count reads the index as it gives its
# matches instead, each contact looked up by its id, and stops at the count's cap (6–10
# ms); a walk asks each row the words' own conditions, which decide anyway.

def lookups(condition: ColumnElement[bool]) -> list[str]:
    """The index queries of the condition's look-ups that every row it matches passes
    (those among its top-level AND)."""
    return [query for part in _conjuncts(condition) if (query := _lookup(part))]


def _conjuncts(condition: ColumnElement[bool]) -> Iterator[ColumnElement[bool]]:
    if isinstance(condition, BooleanClauseList) and condition.operator is operators.and_:
        for part in condition.clauses:
            yield from _conjuncts(part)
    else:
        yield condition


def row_by_row(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """The condition without its look-ups: the same rows, asked of each row alone."""
    def without_lookup(element: Any, **_kw: Any) -> Any:
        return true() if _lookup(element) else None

    return visitors.replacement_traverse(condition, {}, without_lookup)


def _lookup(part: Any) -> str | None:
    return getattr(part, "_annotations", {}).get(LOOKUP)


def _all_of(queries: list[str]) -> str:
    return " AND ".join(f"({query})" for query in queries)


def streamed(condition: ColumnElement[bool], queries: list[str]) -> Select:
    """The ids of the contacts matching ``condition``, whose look-ups are ``queries``:
    the index's matches as it gives them, each contact looked up by its id and asked
    the rest of the condition (the tenant's scope applies to ``Contact`` as anywhere)."""
    # the index's rowid behind a unary "+", which SQLite cannot hand to the index: so
    # it never plans to read the tenant's contacts and ask the index about each (its
    # choice without statistics, ruinous for a word that few contacts hold)
    index = table(TABLE, column("rowid"))
    return (select(Contact.id).select_from(index)
            .join(Contact, Contact.id == literal_column(f"+{TABLE}.rowid"))
            .where(_match(_all_of(queries)), row_by_row(condition)))
