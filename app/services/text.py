"""Small text helpers shared by the services."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement

from app.extensions import db


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


LARGEST_ID = 2**31 - 1  # ids are INTEGER columns: a bigger number names no record


def record_id(value) -> int | None:
    """An id from a URL as a number, or None when it cannot name a record (so the
    database is never asked with a value it would refuse with an error)."""
    text = str(value).strip()
    if not text.isdigit() or not 0 < int(text) <= LARGEST_ID:
        return None
    return int(text)
