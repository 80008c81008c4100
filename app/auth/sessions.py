"""Revocable sessions. The signed session cookie holds the user's session version from
the moment of login; the user loader compares it on every request. Raising the
version in the database (logout, password change, an administrator's reset) turns
every copy of an older cookie into an anonymous visitor's."""

from __future__ import annotations

from flask import session
from flask_login import login_user, logout_user
from sqlalchemy.orm import joinedload

from app import outage
from app.extensions import db
from app.i18n import SESSION_KEY as LANGUAGE_KEY
from app.models import User
from app.services import accounts
from app.transactions import commit_or_refuse

SESSION_VERSION_KEY = "session_version"


def begin(user: User) -> None:
    """Log the user in with a fresh session (nothing kept from before the login)."""
    session.clear()
    login_user(user)
    session[SESSION_VERSION_KEY] = user.session_version


def keep_current(user: User) -> None:
    """After the user's own password change: this session goes on, the others end."""
    session[SESSION_VERSION_KEY] = user.session_version


def end(user: User) -> None:
    """Log out here and on every other device; the chosen language stays."""
    commit_or_refuse(lambda: accounts.end_sessions(user))
    language = session.get(LANGUAGE_KEY)
    logout_user()
    session.clear()
    if language:
        session[LANGUAGE_KEY] = language


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user whose session is still valid, else None."""
    if outage.is_down() or not (user_id.isascii() and user_id.isdigit()):
        return None
    try:
        user = db.session.get(User, int(user_id), options=[joinedload(User.tenant)])
    except outage.DATABASE_ERRORS as exc:
        # Anonymous for the rest of this request: the error page asks nothing more of
        # the database; the request hook answers 503.
        outage.mark_down(exc)
        return None
    if user is None or session.get(SESSION_VERSION_KEY) != user.session_version:
        return None
    return user
