"""The current tenant's settings, read and changed through one accessor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Tenant, User
from app.models.tenant import DEFAULT_SETTINGS, TERM_CONTACT, TERM_CUSTOMER
from app.services import identifiers
from app.services.errors import ServiceError
from app.tenancy import current_tenant_id

_held: ContextVar[Tenant | None] = ContextVar("held_tenant", default=None)


def current_tenant() -> Tenant | None:
    tenant_id = current_tenant_id()
    held = _held.get()
    if held is not None and held.id == tenant_id:
        return held
    return db.session.get(Tenant, tenant_id) if tenant_id is not None else None


@contextmanager
def tenant_held() -> Iterator[None]:
    """Read the current tenant (its settings, language) once for a block that asks for
    it per row: an import checks 100,000 rows by rules that each ask a setting."""
    token = _held.set(current_tenant())
    try:
        yield
    finally:
        _held.reset(token)


def tenant_at_work() -> Tenant:
    """The current tenant, for screens and jobs that only run inside one."""
    tenant = current_tenant()
    if tenant is None:
        raise LookupError("no tenant is at work")
    return tenant


def tenant_language() -> str:
    """The current tenant's default language ("en" with no tenant at work)."""
    tenant = current_tenant()
    return tenant.default_language if tenant is not None else "en"


def home_country() -> str:
    """The tenant's own country (by its language): where numbers typed without a country
    code are read, and where a letter is domestic."""
    return identifiers.PHONE_REGION_OF_LANGUAGE.get(tenant_language(), "GB")


def phone_region() -> str:
    """Where the tenant's numbers typed without a country code are read."""
    return home_country()


def setting(key: str) -> Any:
    """The current tenant's value of a setting (the default outside a tenant)."""
    tenant = current_tenant()
    return tenant.setting(key) if tenant is not None else DEFAULT_SETTINGS[key]


def update_settings(tenant: Tenant, values: dict[str, Any]) -> None:
    unknown = set(values) - set(DEFAULT_SETTINGS) - {"default_language"}
    if unknown:
        raise ServiceError(_l("Unknown setting."))
    if values.get("contact_term", TERM_CONTACT) not in (TERM_CONTACT, TERM_CUSTOMER):
        raise ServiceError(_l("Unknown contact term."), field="contact_term")
    if "default_language" in values:
        tenant.default_language = values.pop("default_language")
    # A new dict, so the change is seen whatever the column's mutation tracking.
    tenant.settings = {**(tenant.settings or {}), **values}


def user_may_edit(entity: str, user: User | None) -> bool:
    """Edit rights (A3) of the acting user: administrators always; users when the
    tenant allows it; nobody else."""
    if user is None or not user.is_authenticated or user.is_operator:
        return False
    if user.is_admin:
        return True
    return bool(setting(f"users_edit_{entity}"))
