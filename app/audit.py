"""Every create, update and delete of an audited model is recorded once, here.

Models opt in with the :class:`Audited` mixin. After each flush the session's new,
changed and deleted audited objects are written to ``audit_entry`` with the current
user, and per field the old and new value. Values named in ``__audit_masked__`` are
stored masked; relationships named in ``__audit_relations__`` (e.g. tags) are
recorded as the list of their labels; JSON columns in ``__audit_by_key__`` (the values
of configurable fields) are recorded per key, as ``column.key``; columns in
``__audit_derived__`` are kept in step with other audited data and not recorded.
Changes flushed inside :func:`unrecorded` are not recorded at all (an erasure, whose
own entry must not hold what it erased). What :func:`observe` registers (webhooks) hears
of every entry written in a flush, these and the ones added as ``AuditEntry`` objects
(a merge), so that it follows every path that changes a record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from flask import has_request_context
from sqlalchemy import Table, event, insert, inspect
from sqlalchemy.orm import Session, scoped_session

from app.masking import mask_national_id

ACTION_CREATE = "create"
ACTION_UPDATE = "update"
ACTION_DELETE = "delete"

NOT_AUDITED = frozenset({"id", "tenant_id", "created_at", "updated_at"})
UNRECORDED = "audit_unrecorded"  # session.info flag set by unrecorded()


class Audited:
    if TYPE_CHECKING:  # given by the mapped model the mixin is put on
        id: int
        tenant_id: int
        __tablename__: str

    __audit_masked__: frozenset[str] = frozenset()
    __audit_relations__: tuple[str, ...] = ()
    __audit_derived__: frozenset[str] = frozenset()
    __audit_by_key__: tuple[str, ...] = ()


def _mask(value: Any) -> str | None:
    if value in (None, ""):
        return None
    return mask_national_id(str(value))


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return value
    return str(value)


def _value(obj: Audited, key: str, value: Any) -> Any:
    return _mask(value) if key in obj.__audit_masked__ else _plain(value)


def _labels(items) -> list[str]:
    return sorted(str(item) for item in items or ())


def _audited_columns(state) -> list[str]:
    model = state.mapper.class_
    skipped = NOT_AUDITED | model.__audit_derived__ | set(model.__audit_by_key__)
    return [attr.key for attr in state.mapper.column_attrs if attr.key not in skipped]


def snapshot(obj: Audited) -> dict[str, list]:
    """All values of a created or deleted record, as [old, new] pairs."""
    state = inspect(obj)
    changes: dict[str, list] = {}
    for key in _audited_columns(state):
        value = _value(obj, key, state.dict.get(key))
        # an unset value is left out; 0 (equal to False, hence not `in (None, "", False)`)
        # is a value like any other
        if value is not None and value != "" and value is not False:
            changes[key] = [None, value]
    for key in obj.__audit_relations__:
        labels = _labels(state.dict.get(key) or [])
        if labels:
            changes[key] = [None, labels]
    for column in obj.__audit_by_key__:
        changes.update(_keyed_differences(column, {}, state.dict.get(column)))
    return changes


def _keyed_differences(column: str, old: dict | None, new: dict | None) -> dict[str, list]:
    old, new = old or {}, new or {}
    return {
        f"{column}.{key}": [_plain(old.get(key)), _plain(new.get(key))]
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key) and (old.get(key), new.get(key)) != (None, "")
    }


def _differences(obj: Audited) -> dict[str, list]:
    state = inspect(obj)
    changes: dict[str, list] = {}
    for key in _audited_columns(state):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = _value(obj, key, history.deleted[0] if history.deleted else None)
        new = _value(obj, key, history.added[0] if history.added else None)
        if old != new:
            changes[key] = [old, new]
    for key in obj.__audit_relations__:
        history = state.attrs[key].history
        if history.has_changes():
            now = _labels(state.attrs[key].value)
            before = sorted(set(now) - set(_labels(history.added)) | set(_labels(history.deleted)))
            if before != now:
                changes[key] = [before, now]
    for column in obj.__audit_by_key__:
        history = state.attrs[column].history
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            changes.update(_keyed_differences(column, old, new))
    return changes


def values_of(obj: Audited) -> dict[str, Any]:
    """The record's audited values as they are in the session (nothing loaded: safe
    during a flush), sensitive ones masked; relations as labels, keyed JSON as dicts."""
    state = inspect(obj)
    values: dict[str, Any] = {key: _value(obj, key, state.dict.get(key))
                              for key in _audited_columns(state)}
    for key in obj.__audit_relations__:
        values[key] = _labels(state.dict.get(key) or [])
    for column in obj.__audit_by_key__:
        values[column] = {k: _plain(v) for k, v in (state.dict.get(column) or {}).items()}
    return values


class Recorded(NamedTuple):
    """One entry of the history as written by a flush (or in bulk, by an import), for
    the observers. A tuple: an import makes 100,000 of them."""

    tenant_id: int
    entity: str
    record_id: int
    action: str
    changes: dict[str, Any]
    record: Audited | None  # the record itself when the entry was written here


Observer = Callable[[Session, list[Recorded]], None]
_observers: list[Observer] = []


def observe(observer: Observer) -> None:
    """Call ``observer(session, entries)`` after each flush writing history entries."""
    if observer not in _observers:
        _observers.append(observer)


def announce(session: Session, entries: list[Recorded]) -> None:
    """Tell the observers of entries written past a flush (an import's, in bulk)."""
    if entries:
        for observer in _observers:
            observer(session, entries)


def _added_entries(session: Session) -> list[Recorded]:
    """Entries added to the session as objects (a merge's, an erasure's)."""
    return [Recorded(obj.tenant_id, obj.entity, obj.record_id, obj.action, obj.changes or {},
                     None)
            for obj in session.new if getattr(obj, "__table__", None) is _entry_table]


def _current_user_id() -> int | None:
    if not has_request_context():
        return None
    from flask_login import current_user

    return current_user.id if current_user.is_authenticated else None


# The table the history is written to: the AuditEntry model's, named by install() —
# the models sit above this module and import it, not the other way round.
_entry_table: Table | None = None


def _record(session: Session, _flush_context) -> None:
    if _entry_table is None or session.info.get(UNRECORDED):
        return
    user_id = _current_user_id()
    rows, recorded = [], _added_entries(session)
    for action, objects in ((ACTION_CREATE, session.new), (ACTION_UPDATE, session.dirty),
                            (ACTION_DELETE, session.deleted)):
        for obj in objects:
            if not isinstance(obj, Audited):
                continue
            if action == ACTION_UPDATE:
                changes = _differences(obj)
                if not changes:
                    continue
            else:
                changes = snapshot(obj)
            rows.append({
                "tenant_id": obj.tenant_id, "user_id": user_id,
                "entity": obj.__tablename__, "record_id": obj.id,
                "action": action, "changes": changes,
            })
            recorded.append(Recorded(obj.tenant_id, obj.__tablename__, obj.id, action,
                                     changes, obj))
    if rows:
        now = datetime.now(UTC)
        session.connection().execute(
            insert(_entry_table), [{**row, "created_at": now} for row in rows]
        )
    announce(session, recorded)


@contextmanager
def unrecorded(session: Session | scoped_session) -> Iterator[None]:
    """Changes flushed inside the block are not recorded; what was changed before it is
    flushed (and recorded) first. The caller writes its own entry for the change."""
    session.flush()
    session.info[UNRECORDED] = True
    try:
        yield
        session.flush()
    finally:
        session.info.pop(UNRECORDED, None)


def install(entry_table: Table, session_class: type[Session] = Session) -> None:
    """Record every flush of audited objects into ``entry_table``."""
    global _entry_table
    _entry_table = entry_table
    if not event.contains(session_class, "after_flush", _record):
        event.listen(session_class, "after_flush", _record)
