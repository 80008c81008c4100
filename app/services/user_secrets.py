"""What API tokens and app passwords share: secrets a user makes for a program — named,
shown once, kept only as their SHA-256, revoked one by one, their last use noted now and
then — and the rule that only an active user of the secret's tenant may use one."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.models.base import utcnow
from app.services.errors import ServiceError
from app.services.times import to_utc

MOST_PER_USER = 20
NAME_LENGTH = 100
# "last used" is written at most this often, not on every request of a sync
USE_RECORDED_EVERY = timedelta(minutes=10)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def of_user(model: Any, user: User) -> list[Any]:
    return list(db.session.scalars(
        select(model).where(model.user_id == user.id).order_by(model.created_at, model.id)))


def checked_new(model: Any, user: User, name: str, *, unnamed: Any, full: Any) -> str:
    """The new secret's name, refused when missing or too long, or when the user has
    as many of these as allowed (``unnamed``/``full``: the kind's own refusals)."""
    name = (name or "").strip()
    if not name:
        raise ServiceError(unnamed, field="name")
    if len(name) > NAME_LENGTH:
        raise ServiceError(_l("The name is too long."), field="name")
    if len(of_user(model, user)) >= MOST_PER_USER:
        raise ServiceError(full, field="name")
    return name


def revoke(model: Any, user: User, record_id: int | None, not_found: Any) -> Any:
    """Delete one of the user's own secrets (another's is not found)."""
    record = db.session.scalar(select(model).where(
        model.id == record_id, model.user_id == user.id))
    if record is None:
        raise ServiceError(not_found)
    db.session.delete(record)
    return record


def usable(record: Any) -> bool:
    """The secret's user is an active user of the secret's tenant."""
    user = record.user
    return not user.is_operator and user.is_active and user.tenant_id == record.tenant_id


def note_use(record: Any) -> None:
    now = utcnow()
    if record.last_used_at is None or now - to_utc(record.last_used_at) > USE_RECORDED_EVERY:
        record.last_used_at = now
