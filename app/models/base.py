"""Column helpers shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, Table
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )


# Keyword arguments of a list's sort index, so that a page's ids are read from the index
# alone: PostgreSQL keeps the id beside the keys; SQLite has it in every index already
# (the rowid).
SORT_INDEX_HOLDS_ID: dict[str, Any] = {"postgresql_include": ["id"]}


# Tables that migrations make beside the models: SQLite's contact search index
# (migration 0023, an FTS5 table) and the tables FTS5 keeps for it.
UNMODELLED_TABLES = ("contact_search",)
# Indexes made beside the models: on configurable fields' values, one per field key
# (services.fields.indexes, migration 0024).
UNMODELLED_INDEXES = ("ixcf_",)


def compared_with_models(name: str | None, type_: str) -> bool:
    """False for a table or index that no model describes (UNMODELLED_TABLES,
    UNMODELLED_INDEXES), which a comparison of the schema with the models leaves alone."""
    unmodelled = {"table": UNMODELLED_TABLES, "index": UNMODELLED_INDEXES}.get(type_, ())
    return not (unmodelled and (name or "").startswith(unmodelled))


def exists_on(schema_item, dialect_name: str) -> bool:
    """False for an index or constraint made only on other databases (``ddl_if``)."""
    condition = getattr(schema_item, "_ddl_if", None)
    return condition is None or condition.dialect in (None, dialect_name)


def link_table(name: str, owner: str, owner_table: str, member: str,
               member_table: str) -> Table:
    """A many-to-many table of (owner, member) ids, both deleted with their record, the
    member side indexed for "which owners has this member" (a contact's cases …)."""
    return Table(
        name,
        db.metadata,
        Column(f"{owner}_id", ForeignKey(f"{owner_table}.id", ondelete="CASCADE"),
               primary_key=True),
        Column(f"{member}_id", ForeignKey(f"{member_table}.id", ondelete="CASCADE"),
               primary_key=True, index=True),
    )
