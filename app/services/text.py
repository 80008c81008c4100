"""Small text helpers shared by the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_
from sqlalchemy.sql.elements import ColumnElement

from app.extensions import db
from app.services.errors import ServiceError


def escape_like(text: str) -> str:
    """Escape LIKE wildcards so typed text matches literally (use ``escape="\\\\"``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def lowered(expression) -> ColumnElement:
    """lower() folding every letter on both databases: SQLite's own folds only A–Z, so
    there a Python function registered on each connection does it (app.extensions).
    On PostgreSQL it stays lower(), which the trigram and lower(email) indexes use."""
    if db.engine.dialect.name == "sqlite":
        return func.unicode_lower(expression)
    return func.lower(expression)


def required_text(value: str | None, field: str) -> str:
    """The text without surrounding blanks; ServiceError on ``field`` when none is left."""
    text = (value or "").strip()
    if not text:
        raise ServiceError(_l("This field is required."), field=field)
    return text


def contains(column, text: str) -> ColumnElement:
    """The column holds the text, whatever the case of its letters."""
    return lowered(column).like(f"%{escape_like(text.lower())}%", escape="\\")


def every_word_in(search: str, *columns) -> ColumnElement | None:
    """Each word of the search is in one of the columns; None for an empty search."""
    words = (search or "").split()
    if not words:
        return None
    return and_(*(or_(*(contains(column, word) for column in columns)) for word in words))


LARGEST_ID = 2**31 - 1  # ids are INTEGER columns: a bigger number names no record


def ascii_digits(text: str) -> bool:
    """Only the digits 0–9: str.isdigit() also takes "²" (which int() refuses) and "٣"
    (which int() reads as 3)."""
    return text.isascii() and text.isdigit()


def record_id(value) -> int | None:
    """An id from a URL as a number, or None when it cannot name a record (so the
    database is never asked with a value it would refuse with an error)."""
    text = str(value).strip()
    if not ascii_digits(text) or not 0 < int(text) <= LARGEST_ID:
        return None
    return int(text)
