"""API tokens: what another system sends (``Authorization: Bearer <token>``) to use the
JSON API as one user. Each is random and long, shown once when made, kept only as its
SHA-256 with its visible prefix, and revoked on its own; deactivating the user or their
tenant stops them all. A token acts as its user: tenant, role, edit rights, privacy
rules and the change history are the user's."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import select

from app.extensions import db
from app.models import ApiToken, User
from app.services import user_secrets
from app.services.errors import ServiceError
from app.services.user_secrets import MOST_PER_USER
from app.tenancy import all_tenants

TOKEN_START = "kcrm_"  # tells a leaked token for what it is (secret scanners, logs)
PREFIX_LENGTH = len(TOKEN_START) + 8  # what lists show of a token
LONGEST_TOKEN = 200


def digest(token: str) -> str:
    return user_secrets.sha256(token.strip())


def of_user(user: User) -> list[ApiToken]:
    return user_secrets.of_user(ApiToken, user)


def create(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token of the user's: the record and the token itself, never shown again."""
    if user.is_operator:
        raise ServiceError(_l("API tokens are for users of a tenant."))
    name = user_secrets.checked_new(
        ApiToken, user, name, unnamed=_l("Name the system or program the token is for."),
        full=lazy_ngettext("You have %(num)d API token already: revoke it first.",
                           "You have %(num)d API tokens already: revoke one first.",
                           MOST_PER_USER))
    token = TOKEN_START + secrets.token_urlsafe(32)  # 256 random bits
    record = ApiToken(user_id=user.id, tenant_id=user.tenant_id, name=name,
                      prefix=token[:PREFIX_LENGTH], secret_hash=digest(token))
    db.session.add(record)
    return record, token


def revoke(user: User, token_id: int | None) -> ApiToken:
    """Delete one of the user's own tokens (another's is not found)."""
    return user_secrets.revoke(ApiToken, user, token_id, _l("The API token was not found."))


def authenticate(token: str) -> ApiToken | None:
    """The token record of an active tenant user, or None. Looked up across tenants (the
    token is all a caller has) by its hash, so no token is tried in turn. Writes
    nothing (it runs while the user is being loaded): see record_use."""
    if not token or len(token) > LONGEST_TOKEN or not token.startswith(TOKEN_START):
        return None
    with all_tenants():
        record = db.session.scalar(
            select(ApiToken).where(ApiToken.secret_hash == digest(token)))
        if record is None:
            return None
        if not user_secrets.usable(record):
            return None
    return record


def record_use(token_id: int) -> None:
    """When the token was last used: written at most every few minutes, not on every
    request of a sync."""
    record = db.session.get(ApiToken, token_id)
    if record is not None:
        user_secrets.note_use(record)
