"""A tenant's configurable field definitions kept between requests.

Every list, form and profile reads the tenant's sections, fields and choices; loading
them through the ORM and building a list's columns and filters from them again was
about a fifth of a contact list page's time. The tenant row, read with the user on
every request, carries a revision of its definitions (``Tenant.fields_revision``),
counted up in the very flush that changes a section, field or choice — whichever
screen, API call or command changes it. Each process keeps what it loaded under
(tenant, entity, revision), read by a session of its own, and what views build from it
(:func:`kept_for`); when another process's change moves the revision on, the next
request loads again.

A request that changes definitions itself (``forget_definitions``) reads them from its
own session for the rest of the request: its changes are not committed yet, and the
revision in the row moves only when they are flushed."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from itertools import chain
from typing import Any, TypeVar

from flask import g, has_app_context
from sqlalchemy import Select, event
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import FieldChoice, FieldDefinition, FieldSection
from app.models.tenant import Tenant
from app.tenancy import current_tenant_id

# Entries kept per process: a tenant's five entities in some hundreds of tenants.
KEPT_ENTRIES = 1024
# Views' derived values per entry of definitions (columns, filters, … per language).
DERIVED_PER_ENTRY = 512

T = TypeVar("T")
DEFINITION_MODELS = (FieldSection, FieldDefinition, FieldChoice)


class _Entry:
    __slots__ = ("sections", "derived")

    def __init__(self, sections: list[FieldSection]) -> None:
        self.sections = sections
        self.derived: dict[Hashable, Any] = {}


_entries: OrderedDict[tuple[int, str, Any, int], _Entry] = OrderedDict()
_by_sections: dict[int, _Entry] = {}  # id() of an entry's list: the entry holds the list
_lock = threading.Lock()


def kept_sections(entity: str, statement: Select) -> list[FieldSection]:
    """The current tenant's sections of ``entity`` as ``statement`` selects them, loaded
    once per revision of the tenant's definitions and process."""
    tenant_id = current_tenant_id()
    revision = _revision(tenant_id) if tenant_id is not None and _may_keep() else None
    if tenant_id is None or revision is None:
        return list(db.session.scalars(statement).unique())
    key = (tenant_id, entity, *revision)
    with _lock:
        entry = _entries.get(key)
        if entry is not None:
            _entries.move_to_end(key)
            return entry.sections
    sections = _loaded_apart(statement)
    with _lock:
        _entries[key] = _by_sections[id(sections)] = _Entry(sections)
        while len(_entries) > KEPT_ENTRIES:
            _key, dropped = _entries.popitem(last=False)
            _by_sections.pop(id(dropped.sections), None)
    return sections


def kept_for(sections: list[FieldSection], key: Hashable, build: Callable[[], T]) -> T:
    """``build()``, kept with ``sections`` (a list kept_sections gave) under ``key``;
    built each time for sections that are not kept (a request changing them)."""
    with _lock:
        entry = _by_sections.get(id(sections))
        if entry is None or entry.sections is not sections:
            entry = None
        elif key in entry.derived:
            return entry.derived[key]
    value = build()
    if entry is None:
        return value
    with _lock:
        if len(entry.derived) >= DERIVED_PER_ENTRY:
            entry.derived.clear()
        entry.derived[key] = value
    return value


def mark_changed() -> None:
    """This request changes definitions: it reads them from its own session from now on."""
    if has_app_context():
        g.definitions_changed = True


def _may_keep() -> bool:
    return has_app_context() and not g.get("definitions_changed", False)


def _revision(tenant_id: int) -> tuple[Any, int] | None:
    """When the tenant was made, and its revision of its definitions: a tenant made anew
    under the id of a deleted one (SQLite reuses the highest id) counts from 0 again."""
    tenant = db.session.get(Tenant, tenant_id)  # in the identity map with the user
    return None if tenant is None else (tenant.created_at, tenant.fields_revision)


def _loaded_apart(statement: Select) -> list[FieldSection]:
    """The sections in objects of their own: read in the request's transaction (what it
    sees, it keeps) by a session of their own, so that none of them is an object the
    request holds and changes; closed, so that no commit expires their values. Each
    child's reference to its parent is set, since a detached object cannot load it."""
    with Session(bind=db.session.connection()) as apart:
        sections = list(apart.scalars(statement).unique())
    for section in sections:
        for field in section.fields:
            set_committed_value(field, "section", section)
            for choice in field.choices:
                set_committed_value(choice, "field", field)
    return sections


# --- the revision ---------------------------------------------------------------------

def _count_changes(session: Session, _flush_context, _instances) -> None:
    """Move the revision of each tenant whose definitions this flush changes."""
    changed = chain(session.new, session.deleted, (
        obj for obj in session.dirty
        if isinstance(obj, DEFINITION_MODELS) and session.is_modified(obj)))
    tenants = {obj.tenant_id or current_tenant_id() for obj in changed
               if isinstance(obj, DEFINITION_MODELS)}
    tenants.discard(None)
    if not tenants:
        return
    with session.no_autoflush:
        for tenant_id in tenants:
            tenant = session.get(Tenant, tenant_id)
            if tenant is not None and tenant not in session.deleted:
                tenant.fields_revision = Tenant.fields_revision + 1


def install(session_class: type[Session] = Session) -> None:
    """Count definition changes in every session (idempotent)."""
    if not event.contains(session_class, "before_flush", _count_changes):
        event.listen(session_class, "before_flush", _count_changes)
