"""App passwords (B10): a CardDAV program logs in with the user's e-mail and one of
these, never with the user's own password. Each is random, shown once when made, kept
only as its SHA-256 (services never keep a way back to it) and revoked on its own;
deactivating the user or their tenant stops them all."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, select

from app.extensions import db
from app.models import AppPassword, User
from app.services import user_secrets
from app.services.accounts import normalise_email
from app.services.user_secrets import MOST_PER_USER
from app.tenancy import all_tenants

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread on a phone
GROUPS, GROUP_LENGTH = 4, 5  # 20 characters: about 98 bits


def normalise(password: str) -> str:
    """The password as compared: its dashes and spaces are the reader's help only."""
    return "".join(char for char in password.lower() if char not in "- ")


def digest(password: str) -> str:
    return user_secrets.sha256(normalise(password))


def of_user(user: User) -> list[AppPassword]:
    return user_secrets.of_user(AppPassword, user)


def create(user: User, name: str) -> tuple[AppPassword, str]:
    """A new app password for the user: the record and the password itself, which is
    never shown again."""
    name = user_secrets.checked_new(
        AppPassword, user, name,
        unnamed=_l("Name the device or program the password is for."),
        full=lazy_ngettext("You have %(num)d app password already: revoke it first.",
                           "You have %(num)d app passwords already: revoke one first.",
                           MOST_PER_USER))
    password = "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH))
                        for _ in range(GROUPS))
    record = AppPassword(user_id=user.id, name=name, secret_hash=digest(password))
    db.session.add(record)
    return record, password


def revoke(user: User, password_id: int | None) -> AppPassword:
    """Delete one of the user's own app passwords (another's is not found)."""
    return user_secrets.revoke(AppPassword, user, password_id,
                               _l("The app password was not found."))


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
        if not user_secrets.usable(record):
            return None
        user_secrets.note_use(record)
    return record.user
