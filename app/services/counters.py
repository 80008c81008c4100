"""Per-tenant sequences. Unique, not gap-free: a rolled-back transaction loses its number."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import TenantCounter


def next_value(name: str) -> int:
    """The next number of the current tenant's sequence ``name``."""
    return reserve(name, 1)[0]


def reserve(name: str, count: int) -> range:
    """The next ``count`` numbers of the current tenant's sequence ``name``.

    The increment is one UPDATE … RETURNING, so concurrent transactions on PostgreSQL
    queue on the counter row and never get the same number."""
    for _attempt in range(3):
        value = db.session.execute(
            update(TenantCounter)
            .where(TenantCounter.name == name)
            .values(value=TenantCounter.value + count)
            .returning(TenantCounter.value)
        ).scalar_one_or_none()
        if value is not None:
            return range(value - count + 1, value + 1)
        try:
            with db.session.begin_nested():
                db.session.add(TenantCounter(name=name, value=count))
            return range(1, count + 1)
        except IntegrityError:
            continue  # another transaction created the counter first: increment it
    raise RuntimeError(f"counter {name!r} could not be incremented")
