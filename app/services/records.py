"""Records written from plain values rather than a form: the JSON API (imports may
follow). The same rules as the screens: the acting user's edit rights (A3), each
entity's own checks (``prepare``), configurable-field values checked by their
definitions, references only to records of the tenant, and nothing deleted that other
records still use (services.references).

An entity is described once by a :class:`Kind`; ``create``, ``update`` and ``delete``
work for every kind alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, inspect, or_, select

from app.extensions import db
from app.models import Tag, User
from app.models.custom_field import HasCustomFields
from app.services import references as in_use
from app.services.errors import FieldErrors, NotPermitted, ServiceError
from app.services.fields import values as custom_fields
from app.services.settings import user_may_edit

ADMINS = "admins"  # an edit right only the tenant's administrators have
EITHER = "contacts|organisations"  # tags: whoever may edit contacts or organisations

Prepare = Callable[[Any, bool, User], None]
Setter = Callable[[Any, Any, User], None]


def _no_checks(_record: Any, _is_new: bool, _user: User) -> None:
    """A kind whose columns need no checks beyond their schema's."""


@dataclass(frozen=True)
class Kind:
    """How one entity is written. ``columns``: plain columns a caller may set;
    ``references``: ``<name>_id`` columns and the model each must name (of the tenant);
    ``setters``: values set by a function of the entity (tags, an employer …);
    ``prepare``: the entity's own checks before saving (raises ServiceError);
    ``saved_setters``: values set once the checked record is saved (they link to its id);
    ``new``: makes a new record (default: the model's constructor);
    ``deleting``: run once the record is marked deleted (what follows for others);
    ``removed``: run after a deletion was committed (files to remove)."""

    model: type
    edit_right: str | None = None  # A3 right; None: every member of the tenant
    columns: frozenset[str] = frozenset()
    references: Mapping[str, type] = field(default_factory=dict)
    setters: Mapping[str, Setter] = field(default_factory=dict)
    prepare: Prepare = _no_checks
    saved_setters: Mapping[str, Setter] = field(default_factory=dict)
    ensure_deletable: Callable[[Any], None] = in_use.ensure_deletable
    removed: Callable[[Any], None] | None = None
    new: Callable[[], Any] | None = None
    deleting: Callable[[Any, User], None] | None = None


def may_edit(kind: Kind, user: User) -> bool:
    if kind.edit_right is None:
        return user.is_authenticated and not user.is_operator
    if kind.edit_right == ADMINS:
        return user.is_admin
    return any(user_may_edit(right, user) for right in kind.edit_right.split("|"))


def _require_right(kind: Kind, user: User) -> None:
    if not may_edit(kind, user):
        raise NotPermitted(_l("You may not change these records."))


def create(kind: Kind, values: Mapping[str, Any], user: User) -> Any:
    """A new record from the values (already of the right types); raises ServiceError."""
    _require_right(kind, user)
    record = kind.new() if kind.new is not None else kind.model()
    if isinstance(record, HasCustomFields):
        # every active field is checked, as a form sends them all: a required one left
        # out is refused, one with a default gets it
        record.custom = {}
        values = {**values, "custom": {
            **{f.key: f.default_value
               for f in custom_fields.active_fields(record.__custom_entity__)},
            **(values.get("custom") or {})}}
    db.session.add(record)
    _apply(kind, record, values, user, is_new=True)
    return record


def update(kind: Kind, record: Any, values: Mapping[str, Any], user: User) -> Any:
    """The record with the values given changed (the others kept)."""
    _require_right(kind, user)
    _apply(kind, record, values, user, is_new=False)
    return record


def delete(kind: Kind, record: Any, user: User) -> None:
    _require_right(kind, user)
    kind.ensure_deletable(record)
    db.session.delete(record)
    if kind.deleting is not None:
        kind.deleting(record, user)


def _apply(kind: Kind, record: Any, values: Mapping[str, Any], user: User,
           is_new: bool) -> None:
    with db.session.no_autoflush:  # the checks must not flush the half-changed record
        for name, value in values.items():
            if name in kind.columns:
                setattr(record, name, value)
        errors: dict[str, Any] = {}
        for name, model in kind.references.items():
            if name in values:
                try:
                    _set_reference(record, name, model, values[name])
                except ServiceError as exc:
                    errors[name] = exc.message
        if errors:
            raise FieldErrors(errors)
        for name, setter in kind.setters.items():
            if name in values:
                setter(record, values[name], user)
        if "custom" in values and isinstance(record, HasCustomFields):
            set_custom(record, values["custom"] or {}, user)
        kind.prepare(record, is_new, user)
    for name, setter in kind.saved_setters.items():
        if name in values:
            setter(record, values[name], user)


def _set_reference(record: Any, name: str, model: type, record_id: int | None) -> None:
    """``<name>`` names a record of the tenant (the session's scoping hides the others).
    Where the model has the relationship (``<name>`` without ``_id``) the record itself
    is set, so the entity's checks, which read relationships, see the new one."""
    target = None
    if record_id is not None:
        target = db.session.get(model, record_id)
        if target is None:
            raise ServiceError(_l("No such record."), field=name)
    relation = name.removesuffix("_id")
    if relation in inspect(type(record)).relationships:
        setattr(record, relation, target)
    else:
        setattr(record, name, record_id)


def records_named(model: Any, ids: list[int] | None, name: str) -> list[Any]:
    """The tenant's records of these ids, in the order given; an id naming none of
    them is refused on ``name``."""
    wanted = list(dict.fromkeys(ids or []))
    query = select(model).where(model.id.in_(wanted))
    found: dict[int, Any] = {r.id: r for r in db.session.scalars(query)}
    if len(found) < len(wanted):
        raise FieldErrors({name: _l("No such record.")})
    return [found[number] for number in wanted]


def set_custom(record: HasCustomFields, values: Mapping[str, Any], _user: User) -> None:
    """Configurable-field values by the fields' keys (None empties one); a key that
    names no active field of the entity is refused, like every value its type refuses.
    Refusals name ``custom.<key>``."""
    entity = record.__custom_entity__
    fields = {f.key: f for f in custom_fields.active_fields(entity)}
    unknown = {f"custom.{key}": _l("No such field.") for key in values if key not in fields}
    if unknown:
        raise FieldErrors(unknown)
    try:
        custom_fields.set_values(record, {fields[key].form_name: value
                                          for key, value in values.items()})
    except FieldErrors as exc:
        raise FieldErrors({f"custom.{name.removeprefix('cf_')}": message
                           for name, message in exc.errors.items()}) from None


def tags_named(names: list[str]) -> list[Tag]:
    """The tenant's tags of these names (whatever their case), made where missing."""
    tags = []
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        tag = db.session.scalar(select(Tag).where(func.lower(Tag.name) == name.lower()))
        if tag is None:
            tag = Tag(name=name)
            db.session.add(tag)
        tags.append(tag)
    return tags


def set_tags(record: Any, names: list[str], _user: User) -> None:
    record.tags = tags_named(names or [])


def search_condition(model: type, own: Callable[[str], Any], text: str) -> Any:
    """The list search as the screens search: the entity's own condition, or any
    searchable configurable field containing the text."""
    from app.services.fields import queries

    conditions = [own(text)]
    entity = getattr(model, "__custom_entity__", None)
    if entity is not None:
        conditions.append(queries.search_condition(
            model, custom_fields.active_fields(entity), text))
    present = [c for c in conditions if c is not None]
    return or_(*present) if present else None
