"""Tenants and users: creation, authentication and the rules that keep a tenant usable."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import Tenant, User
from app.models.user import ROLE_ADMIN, ROLES
from app.services.errors import ServiceError
from app.tenancy import all_tenants, tenant_context

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
MIN_PASSWORD_LENGTH = 8


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
    if user is None or not user.check_password(password) or not user.is_active:
        return None
    return user


def validate_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _l("The password must be at least %(count)d characters long.",
               count=MIN_PASSWORD_LENGTH),
            field="password",
        )


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
    """A new tenant's first administrator: an e-mail nobody uses and a valid password."""
    if not email:
        raise AccountError(_l("A new tenant needs its first administrator."),
                           field="admin_email")
    check_user(email, password, field_prefix="admin_")


def check_user(email: str | None, password: str | None, *, user: User | None = None,
               field_prefix: str = "") -> None:
    """A user's e-mail and password before saving: the e-mail unique across tenants;
    the password required for a new user, else only checked when a new one is given."""
    if email_taken(email or "", exclude_user_id=user.id if user else None):
        raise AccountError(_l("A user with this e-mail address already exists."),
                           field=f"{field_prefix}email")
    if user is None or password:
        try:
            validate_password(password or "")
        except ServiceError as exc:
            exc.field = f"{field_prefix}password"
            raise


def save_user(user: User, *, password: str | None, is_new: bool) -> None:
    """A user edited by an administrator: stored forms, the new password if one was
    given, and never a tenant left without an active administrator."""
    user.email = normalise_email(user.email)
    user.language = user.language or None
    if password:
        user.set_password(password)
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
    """Create a user of a tenant, or a platform operator when tenant is None."""
    if role not in ROLES:
        raise AccountError(_l("Unknown role."))
    check_user(email, password)
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
