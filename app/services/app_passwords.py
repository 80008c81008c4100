"""App passwords (B10): a CardDAV program logs in with the user's e-mail and one of
these, never with the user's own password. Each is random, shown once when made, kept
only as its SHA-256 (services never keep a way back to it) and revoked on its own;
deactivating the user or their tenant stops them all."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import AppPassword, User
from app.models.base import utcnow
from app.services.accounts import normalise_email
from app.services.errors import ServiceError
from app.services.times import to_utc
from app.tenancy import all_tenants

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread on a phone
GROUPS, GROUP_LENGTH = 4, 5  # 20 characters: about 98 bits
MOST_PER_USER = 20
NAME_LENGTH = 100
# "last used" is written at most this often, not on every request of a sync
USE_RECORDED_EVERY = timedelta(minutes=10)


def normalise(password: str) -> str:
    """The password as compared: its dashes and spaces are the reader's help only."""
    return "".join(char for char in password.lower() if char not in "- ")


def digest(password: str) -> str:
    return hashlib.sha256(normalise(password).encode()).hexdigest()


def of_user(user: User) -> list[AppPassword]:
    return list(db.session.scalars(
        select(AppPassword).where(AppPassword.user_id == user.id)
        .order_by(AppPassword.created_at, AppPassword.id)))


def create(user: User, name: str) -> tuple[AppPassword, str]:
    """A new app password for the user: the record and the password itself, which is
    never shown again."""
    name = (name or "").strip()
    if not name:
        raise ServiceError(_l("Name the device or program the password is for."), field="name")
    if len(name) > NAME_LENGTH:
        raise ServiceError(_l("The name is too long."), field="name")
    if len(of_user(user)) >= MOST_PER_USER:
        raise ServiceError(_l("You have %(count)s app passwords already: revoke one first.",
                              count=MOST_PER_USER), field="name")
    password = "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH))
                        for _ in range(GROUPS))
    record = AppPassword(user_id=user.id, name=name, secret_hash=digest(password))
    db.session.add(record)
    return record, password


def revoke(user: User, password_id: int | None) -> AppPassword:
    """Delete one of the user's own app passwords (another's is not found)."""
    record = db.session.scalar(select(AppPassword).where(
        AppPassword.id == password_id, AppPassword.user_id == user.id))
    if record is None:
        raise ServiceError(_l("The app password was not found."))
    db.session.delete(record)
    return record


def authenticate(email: str, password: str) -> User | None:
    """The active tenant user with this e-mail owning this app password, or None.
    Looked up across tenants (the e-mail is all a client has); the password's hash is
    looked up, so no password is tried in turn and no answer takes longer."""
    if not email or not password or len(password) > 200 or len(email) > 254:
        return None
    with all_tenants():
        record = db.session.scalar(
            select(AppPassword).join(User, User.id == AppPassword.user_id)
            .where(AppPassword.secret_hash == digest(password),
                   func.lower(User.email) == normalise_email(email)))
        if record is None:
            return None
        user = record.user
        if user.is_operator or not user.is_active or user.tenant_id != record.tenant_id:
            return None
        now = utcnow()
        if record.last_used_at is None or now - to_utc(record.last_used_at) > USE_RECORDED_EVERY:
            record.last_used_at = now
    return user
