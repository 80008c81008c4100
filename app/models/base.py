"""Column helpers shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )


def exists_on(schema_item, dialect_name: str) -> bool:
    """False for an index or constraint made only on other databases (``ddl_if``)."""
    condition = getattr(schema_item, "_ddl_if", None)
    return condition is None or condition.dialect in (None, dialect_name)
