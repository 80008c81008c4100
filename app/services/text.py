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
