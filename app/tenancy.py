"""The current tenant, and the one place where every ORM query is scoped to it.

Every tenant-owned model inherits :class:`TenantScoped`. A session event adds
``tenant_id = <current tenant>`` to every ORM SELECT, UPDATE and DELETE on such models
(including relationship and primary-key loads, so ``session.get`` with another tenant's
id finds nothing), and a flush event stamps the current tenant on new rows and refuses
rows of another tenant. Views, services and the CLI never filter by tenant by hand.

Without a current tenant, tenant-owned rows are invisible and cannot be written: code
that must cross tenants (the platform operator's tenant list, the CLI creating a tenant)
says so explicitly with :func:`all_tenants`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from sqlalchemy import ForeignKey, event, false
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)

_current_tenant: ContextVar[int | None] = ContextVar("current_tenant", default=None)
_cross_tenant: ContextVar[bool] = ContextVar("cross_tenant", default=False)


class TenantViolation(RuntimeError):
    """A write that would put a row in a tenant other than the current one."""


class TenantScoped:
    """Mixin for every model whose rows belong to exactly one tenant."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(
            ForeignKey("tenant.id", ondelete="CASCADE"), index=True, nullable=False
        )


class TenantOptional:
    """Mixin for rows that belong to a tenant or to the platform (users: the platform
    operator has no tenant). Scoped like :class:`TenantScoped` while a tenant is
    current; visible without a tenant so that login can find a user by e-mail."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(
            ForeignKey("tenant.id", ondelete="CASCADE"), index=True, nullable=True
        )


def current_tenant_id() -> int | None:
    return _current_tenant.get()


def set_current_tenant(tenant_id: int | None) -> None:
    """Set the tenant of the running request (called once per request after login)."""
    _current_tenant.set(tenant_id)
    _cross_tenant.set(False)


@contextmanager
def tenant_context(tenant_id: int) -> Iterator[None]:
    """Run a block as the given tenant (CLI, seeding, tests)."""
    tenant_token = _current_tenant.set(tenant_id)
    cross_token = _cross_tenant.set(False)
    try:
        yield
    finally:
        _current_tenant.reset(tenant_token)
        _cross_tenant.reset(cross_token)


@contextmanager
def all_tenants() -> Iterator[None]:
    """Lift tenant scoping for a block: only for platform-level work."""
    token = _cross_tenant.set(True)
    try:
        yield
    finally:
        _cross_tenant.reset(token)


def _scope_statement(state: ORMExecuteState) -> None:
    if _cross_tenant.get():
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    state.statement = state.statement.options(*_scope_options(_current_tenant.get()))


@lru_cache(maxsize=4096)
def _scope_options(tenant_id: int | None) -> tuple:
    """The loader criteria of one tenant (None: no tenant, no rows), made once per tenant
    and process. Making them calls their lambdas and analyses their closures: about
    0.7 ms for every ORM statement when it was done per statement, a sixth of a list
    page's time. The options hold nothing of a statement or session, so statements
    share them."""
    if tenant_id is None:
        return (with_loader_criteria(TenantScoped, lambda cls: false(), include_aliases=True),)
    return tuple(
        with_loader_criteria(base, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
        for base in (TenantScoped, TenantOptional))


def _stamp_new_rows(session: Session, _flush_context, _instances) -> None:
    if _cross_tenant.get():
        return
    tenant_id = _current_tenant.get()
    for obj in session.new:
        if not isinstance(obj, TenantScoped | TenantOptional):
            continue
        if obj.tenant_id is None and isinstance(obj, TenantScoped):
            if tenant_id is None:
                raise TenantViolation(f"no current tenant to own a new {type(obj).__name__}")
            obj.tenant_id = tenant_id
        elif obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise TenantViolation(f"a {type(obj).__name__} cannot be created in another tenant")
    for obj in session.dirty:
        if isinstance(obj, TenantScoped | TenantOptional) and _tenant_changed(obj):
            raise TenantViolation(f"a {type(obj).__name__} cannot move to another tenant")


def _tenant_changed(obj: object) -> bool:
    from sqlalchemy import inspect

    history = inspect(obj).attrs.tenant_id.history
    return bool(history.deleted) and history.deleted[0] is not None


def install(session_class: type[Session] = Session) -> None:
    """Attach the scoping events to every session (idempotent)."""
    if not event.contains(session_class, "do_orm_execute", _scope_statement):
        event.listen(session_class, "do_orm_execute", _scope_statement)
        event.listen(session_class, "before_flush", _stamp_new_rows)
