"""Tenants and users: creation, authentication and the rules that keep a tenant usable."""

from __future__ import annotations

import re
import secrets
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import Tenant, User
from app.models.user import ROLE_ADMIN, ROLES, password_hash_method, password_matches
from app.services.errors import ServiceError
from app.services.passwords import check_password_policy
from app.tenancy import all_tenants, tenant_context

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class AccountError(ServiceError):
    """A rule about tenants or users was broken."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def email_taken(email: str, exclude_user_id: int | None = None) -> bool:
    """Whether any user of the deployment has this e-mail: logins ask for no tenant,
    so the address must be unique across tenants. Answers only yes or no."""
    query = select(User.id).where(func.lower(User.email) == normalise_email(email))
    if exclude_user_id is not None:
        query = query.where(User.id != exclude_user_id)
    with all_tenants():
        return db.session.execute(query.limit(1)).first() is not None


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (never says which part failed).
    Looked up across tenants: the e-mail alone identifies a user."""
    with all_tenants():
        user = db.session.execute(
            select(User).where(func.lower(User.email) == normalise_email(email))
        ).scalar_one_or_none()
    if user is None:
        # Hash anyway: an unknown e-mail must take as long as a wrong password, or the
        # answer time tells which e-mails have an account.
        password_matches(_dummy_hash(password_hash_method()), password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def end_sessions(user: User) -> None:
    """End every session of the user, on every device (the session version stored at
    login no longer matches)."""
    user.session_version = (user.session_version or 0) + 1


def reset_password(user: User, password: str, *, field: str = "password") -> None:
    """Give the user a new password that meets the policy; their sessions end."""
    check_password_policy(password, field=field)
    user.set_password(password)
    end_sessions(user)


def change_password(user: User, current_password: str, new_password: str) -> None:
    """A user's change of their own password: the current one is asked for, so that a
    session left open cannot be used to take over the account."""
    if not user.check_password(current_password or ""):
        raise AccountError(_l("The current password is wrong."), field="current_password")
    if new_password == current_password:
        raise AccountError(_l("The new password must differ from the current one."),
                           field="new_password")
    reset_password(user, new_password, field="new_password")


def checked_slug(slug: str, tenant_id: int | None = None) -> str:
    """The short name (the tenant's part of URLs) in its stored form, refused when it is
    malformed or another tenant's."""
    slug = (slug or "").strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise AccountError(
            _l("The short name may hold only a-z, 0-9 and hyphens."), field="slug"
        )
    query = select(Tenant.id).where(Tenant.slug == slug)
    if tenant_id is not None:
        query = query.where(Tenant.id != tenant_id)
    with all_tenants(), db.session.no_autoflush:  # not the tenant's own pending change
        if db.session.execute(query).first():
            raise AccountError(
                _l("A tenant with this short name already exists."), field="slug"
            )
    return slug


def create_tenant(name: str, slug: str, default_language: str = "en") -> Tenant:
    slug = checked_slug(slug)
    tenant = Tenant(name=name.strip(), slug=slug, default_language=default_language)
    db.session.add(tenant)
    db.session.flush()
    from app.services import dictionaries

    with tenant_context(tenant.id):
        dictionaries.seed_defaults()
    return tenant


def update_tenant(tenant: Tenant) -> None:
    """A tenant's master data changed by the platform operator: same rules as creation."""
    tenant.slug = checked_slug(tenant.slug, tenant_id=tenant.id)
    tenant.name = (tenant.name or "").strip()


def check_first_admin(email: str | None, password: str | None) -> None:
    """A new tenant's first administrator: an e-mail nobody uses and a password that
    meets the policy."""
    if not email:
        raise AccountError(_l("A new tenant needs its first administrator."),
                           field="admin_email")
    check_email_free(email, field="admin_email")
    check_password_policy(password, field="admin_password")


def check_email_free(email: str | None, user: User | None = None, *,
                     field: str = "email") -> None:
    """Refuse an e-mail another user has: unique across tenants (logins ask for none)."""
    if email_taken(email or "", exclude_user_id=user.id if user else None):
        raise AccountError(_l("A user with this e-mail address already exists."),
                           field=field)


def check_user(email: str | None, password: str | None, *, user: User | None,
               acting_user_id: int | None) -> None:
    """A user saved by an administrator: the e-mail free; the password required for a
    new user (else only checked when one is given) and meeting the policy. One's own
    password is not reset here: the change-password page asks for the current one."""
    check_email_free(email, user)
    if user is not None and user.id == acting_user_id and password:
        raise AccountError(_l("Change your own password from the user menu."),
                           field="password")
    if user is None or password:
        check_password_policy(password)


def save_user(user: User, *, password: str | None, is_new: bool) -> None:
    """A user edited by an administrator: stored forms, the new password if one was
    given, and never a tenant left without an active administrator."""
    user.email = normalise_email(user.email)
    user.language = user.language or None
    if password:  # an administrator's reset: the user's sessions end
        reset_password(user, password)
    if not is_new:
        ensure_admin_remains(user)


def create_tenant_with_admin(
    name: str, slug: str, default_language: str, *, admin_email: str, admin_password: str,
    admin_name: str = "", active: bool = True,
) -> Tenant:
    """A tenant is never created without someone who can administer it."""
    tenant = create_tenant(name, slug, default_language)
    tenant.active = active
    create_user(admin_email, admin_password, tenant=tenant, full_name=admin_name,
                role=ROLE_ADMIN)
    return tenant


def create_user(
    email: str,
    password: str,
    *,
    tenant: Tenant | None,
    full_name: str = "",
    role: str = "user",
    language: str | None = None,
) -> User:
    """Create a user of a tenant, or a platform operator when tenant is None.

    The password is taken as given: every screen and command where a person chooses a
    password checks it with passwords.check_password_policy first. The demo seeding
    sets the documented demo passwords ("demo-admin" …) here on purpose, below the
    policy, and so do the test fixtures."""
    if role not in ROLES:
        raise AccountError(_l("Unknown role."))
    check_email_free(email)
    user = User(
        email=normalise_email(email),
        full_name=full_name.strip(),
        role=role,
        language=language or None,
        tenant_id=tenant.id if tenant is not None else None,
    )
    user.set_password(password)
    with all_tenants():
        db.session.add(user)
        db.session.flush()
    return user


def set_language(user: User, language: str) -> None:
    """The user's own language; the caller commits."""
    user.language = language


def ensure_admin_remains(user: User, *, deleting: bool = False) -> None:
    """Refuse a change that would leave the user's tenant with no active administrator."""
    if user.tenant_id is None:
        return
    still_admin = not deleting and user.role == ROLE_ADMIN and user.active
    if still_admin:
        return
    other_admins = db.session.execute(
        select(func.count(User.id)).where(
            User.tenant_id == user.tenant_id,
            User.role == ROLE_ADMIN,
            User.active.is_(True),
            User.id != user.id,
        )
    ).scalar_one()
    if other_admins == 0:
        raise AccountError(_l("A tenant must keep at least one active administrator."))


def active_users() -> list[User]:
    """The current tenant's active users, by name: who may be given a task, a case or
    an activity."""
    return list(db.session.scalars(
        select(User).where(User.active.is_(True)).order_by(User.full_name, User.email)))


def choose_list_columns(user: User, list_name: str, chosen: list[str],
                        offered: list[str]) -> None:
    """Keep the columns ``user`` chose for a list, in the list's order; an empty choice
    means the list's defaults again. Columns the list does not offer are refused."""
    unknown = [name for name in chosen if name not in offered]
    if unknown:
        raise ServiceError(_l("This list has no such column."), field="columns")
    columns = dict(user.list_columns or {})
    if chosen:
        columns[list_name] = [name for name in offered if name in chosen]
    else:
        columns.pop(list_name, None)
    user.list_columns = columns  # a new dict: the JSON column sees the change
