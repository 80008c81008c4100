"""SQLite's index for the contact search (migration 0023): an FTS5 table with the
trigram tokenizer over the contacts' names, e-mail and phone numbers.

It narrows the search to the contacts whose columns contain each word (three or more
characters; shorter ones it cannot look up), whatever the case of its letters; the
search's own condition (services.contacts.search_condition) still decides, so the
rows found are the same as without it. PostgreSQL has its trigram indexes instead."""

from __future__ import annotations

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
)
from sqlalchemy.sql.elements import TextClause

from app.extensions import db
from app.models import Contact
from app.services.conditions import narrowing, narrowings, row_by_row

TABLE = "contact_search"
NAME_COLUMNS = ("last_name", "first_name", "email")
PHONE_COLUMNS = ("phone", "mobile")
SHORTEST = 3  # a trigram index finds nothing shorter

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
    return narrowing(Contact.id.in_(matches), query)


def _match(query: str) -> TextClause:
    return text(f"{TABLE} MATCH :query").bindparams(bindparam("query", query, unique=True))


# --- a search with many matches ---------------------------------------------------------
#
# A look-up only narrows the search (services.conditions.narrowing): a count reads the
# index's matches as it gives them, each contact looked up by its id, and stops at the
# count's cap (6–10 ms for "son", in every e-mail, against 115 ms for reading all of them
# first); a list's walk asks each row the words' own conditions (conditions.row_by_row).

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


def lookups(condition: ColumnElement[bool]) -> list[str]:
    """The index queries of the condition's look-ups that every row it matches passes."""
    return narrowings(condition)
