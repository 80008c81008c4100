"""SQLite's index for the contact search (migration 0023): an FTS5 table with the
trigram tokenizer over the contacts' names, e-mail and phone numbers.

It narrows the search to the contacts whose columns contain each word (three or more
characters; shorter ones it cannot look up), whatever the case of its letters; the
search's own condition (services.contacts.search_condition) still decides, so the
rows found are the same as without it. PostgreSQL has its trigram indexes instead."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy import ColumnElement, Engine, bindparam, inspect, select, table, text

from app.extensions import db
from app.models import Contact

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
    matches = select(text("rowid")).select_from(table(TABLE)).where(
        text(f"{TABLE} MATCH :query").bindparams(bindparam("query", query, unique=True)))
    return Contact.id.in_(matches)
