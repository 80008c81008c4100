"""An administrator's changes to configurable fields: sections, fields, choices, order,
type changes, deactivation and deletion (A5)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, select

from app.extensions import db
from app.i18n import current_language
from app.models import FieldChoice, FieldDefinition, FieldSection
from app.models.custom_field import (
    BOOLEAN,
    CHOICE_TYPES,
    FIELD_TYPES,
    NUMBER_TYPES,
)
from app.services.errors import ServiceError
from app.services.fields import indexes, queries
from app.services.fields import values as custom_fields
from app.services.labels import clean_labels, key_from
from app.services.ordering import move_in

BATCH = 500


@dataclass
class ChoiceInput:
    """One row of the choices editor: an existing choice (with its key) or a new one."""

    labels: dict[str, str]
    key: str | None = None
    active: bool = True


@dataclass
class FieldInput:
    labels: dict[str, str]
    field_type: str
    help_texts: dict[str, str] = dataclass_field(default_factory=dict)
    required: bool = False
    default_value: Any = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    show_in_list: bool = False
    searchable: bool = False
    choices: list[ChoiceInput] = dataclass_field(default_factory=list)


def _check_entity(entity: str) -> None:
    if entity not in custom_fields.ENTITIES:
        raise ServiceError(_l("Unknown record type."))


# --- sections -----------------------------------------------------------------------

def create_section(entity: str, labels: dict[str, str]) -> FieldSection:
    _check_entity(entity)
    last = db.session.scalar(select(func.max(FieldSection.position))
                             .where(FieldSection.entity == entity))
    section = FieldSection(entity=entity, labels=clean_labels(labels), position=(last or 0) + 1)
    db.session.add(section)
    custom_fields.forget_definitions()
    return section


def rename_section(section: FieldSection, labels: dict[str, str]) -> None:
    section.labels = clean_labels(labels)
    custom_fields.forget_definitions()


def delete_section(section: FieldSection) -> None:
    if section.fields:
        raise ServiceError(_l("Move or delete the section's fields first."))
    db.session.delete(section)
    custom_fields.forget_definitions()


def move(item: FieldSection | FieldDefinition, step: int) -> None:
    """Move a section among its entity's sections, or a field within its section, one
    place up (-1) or down (+1)."""
    siblings: list[FieldSection] | list[FieldDefinition]
    if isinstance(item, FieldSection):
        siblings = list(db.session.scalars(
            select(FieldSection).where(FieldSection.entity == item.entity)
            .order_by(FieldSection.position, FieldSection.id)))
    else:
        siblings = sorted(item.section.fields, key=lambda f: (f.position, f.id))
    move_in(siblings, item, step)
    custom_fields.forget_definitions()


# --- fields -------------------------------------------------------------------------

def create_field(section: FieldSection, data: FieldInput) -> FieldDefinition:
    labels = clean_labels(data.labels)
    taken = set(db.session.scalars(select(FieldDefinition.key)
                                   .where(FieldDefinition.entity == section.entity)))
    last = max((f.position for f in section.fields), default=0)
    field = FieldDefinition(section=section, entity=section.entity, position=last + 1,
                            key=key_from(labels, taken))
    _check_type(data.field_type)
    field.field_type = data.field_type
    _apply(field, data, labels)
    db.session.add(field)
    indexes.make_field_indexes(field)
    custom_fields.forget_definitions()
    return field


def update_field(field: FieldDefinition, data: FieldInput,
                 section: FieldSection | None = None) -> None:
    """Change a field; its key never changes. A new type is taken only when every
    stored value converts to it."""
    labels = clean_labels(data.labels)
    _check_type(data.field_type)
    if section is not None and section is not field.section:
        if section.entity != field.entity:
            raise ServiceError(_l("Unknown record type."), field="section")
        field.section = section
        field.position = max((f.position for f in section.fields), default=0) + 1
    if data.field_type != field.field_type:
        change_type(field, data.field_type, data.choices)
        indexes.make_field_indexes(field)
    _apply(field, data, labels)
    custom_fields.forget_definitions()


def _check_type(field_type: str) -> None:
    if field_type not in FIELD_TYPES:
        raise ServiceError(_l("Unknown field type."), field="field_type")


def _apply(field: FieldDefinition, data: FieldInput, labels: dict[str, str]) -> None:
    field.labels = labels
    field.help_texts = {lang: text.strip() for lang, text in data.help_texts.items()
                        if text and text.strip()}
    field.required = data.required
    field.show_in_list = data.show_in_list
    field.searchable = data.searchable
    numeric = field.field_type in NUMBER_TYPES
    field.min_value = data.min_value if numeric else None
    field.max_value = data.max_value if numeric else None
    low, high = field.min_value, field.max_value
    if numeric and low is not None and high is not None and low > high:
        raise ServiceError(_l("The smallest value is above the largest."), field="min_value")
    if field.field_type in CHOICE_TYPES:  # other types keep theirs for a change back
        save_choices(field, data.choices)
    field.default_value = _default(field, data.default_value)


def _default(field: FieldDefinition, raw: Any) -> Any:
    probe = _probe(field, field.field_type)
    try:
        return custom_fields.clean(probe, raw)
    except ServiceError as exc:
        raise ServiceError(str(exc), field="default_value") from None


def _probe(field: FieldDefinition, field_type: str) -> FieldDefinition:
    """A detached copy of the field with another type, to test values against it."""
    probe = FieldDefinition(key=field.key, field_type=field_type, required=False,
                            min_value=None, max_value=None)
    probe.choices = [FieldChoice(key=c.key, labels=c.labels) for c in field.choices]
    return probe


def set_active(field: FieldDefinition, active: bool) -> None:
    """Deactivating hides the field and keeps its values, which reactivation shows again."""
    field.active = active
    custom_fields.forget_definitions()


# --- choices ------------------------------------------------------------------------

def save_choices(field: FieldDefinition, rows: list[ChoiceInput]) -> list[str]:
    """Apply the choices editor. A choice left out or emptied is deleted, or deactivated
    if records use it. Returns the labels of the choices kept that way."""
    by_key = {choice.key: choice for choice in field.choices}
    kept_keys: set[str] = set()
    kept_in_use: list[str] = []
    position = 0
    for row in rows:
        labels = {lang: text.strip() for lang, text in row.labels.items() if text and text.strip()}
        if not labels:
            continue
        position += 1
        choice = by_key.get(row.key) if row.key else None
        if choice is None:
            key = key_from(labels, set(by_key) | kept_keys)
            choice = FieldChoice(key=key)
            field.choices.append(choice)
            by_key[key] = choice
        choice.labels, choice.active, choice.position = labels, row.active, position
        kept_keys.add(choice.key)
    for key, choice in list(by_key.items()):
        if key in kept_keys:
            continue
        if field.id is not None and _choice_in_use(field, key):
            choice.active = False
            kept_in_use.append(str(choice))
        else:
            field.choices.remove(choice)
    if field.field_type in CHOICE_TYPES and not any(c.active for c in field.choices):
        raise ServiceError(_l("A choice field needs at least one active choice."),
                           field="choices")
    return kept_in_use


def _choice_in_use(field: FieldDefinition, key: str) -> bool:
    model = custom_fields.ENTITIES[field.entity]
    condition = queries.condition(model, field, queries.EQUALS, key)
    return db.session.execute(select(model.id).where(condition).limit(1)).first() is not None


# --- values under a changing definition -------------------------------------------

def value_count(field: FieldDefinition) -> int:
    model = custom_fields.ENTITIES[field.entity]
    return db.session.scalar(select(func.count()).select_from(model)
                             .where(queries.has_value(model, field.key))) or 0


def _records_with_values(field: FieldDefinition) -> Iterator:
    model = custom_fields.ENTITIES[field.entity]
    query = (select(model).where(queries.has_value(model, field.key)).order_by(model.id)
             .execution_options(yield_per=BATCH))
    yield from db.session.scalars(query)


def as_text(field: FieldDefinition, stored: Any) -> str:
    """A stored value as the text a user would type for it, which the cleaners parse
    back: choices by their labels, yes or no, the rest as written."""
    if stored is None:
        return ""
    if field.field_type == BOOLEAN:
        return "yes" if stored else "no"
    if field.field_type in CHOICE_TYPES:
        labels = {c.key: c.label(current_language()) for c in field.choices}
        keys = stored if isinstance(stored, list) else [stored]
        return "; ".join(str(labels.get(key, key)) for key in keys)
    return str(stored)


def change_type(field: FieldDefinition, new_type: str,
                choices: list[ChoiceInput] | None = None) -> None:
    """Convert every stored value to the new type, or refuse and change nothing."""
    probe = _probe(field, new_type)
    if new_type in CHOICE_TYPES and choices:
        probe.choices = [FieldChoice(key=c.key or key_from(c.labels, set()),
                                     labels=c.labels) for c in choices if any(c.labels.values())]
    converted, failures = {}, 0
    with db.session.no_autoflush:
        for record in _records_with_values(field):
            try:
                converted[record.id] = custom_fields.clean(
                    probe, as_text(field, record.custom[field.key]))
            except ServiceError:
                failures += 1
    if failures:
        raise ServiceError(lazy_ngettext(
            "%(num)d stored value does not convert to the new type. Nothing was changed.",
            "%(num)d stored values do not convert to the new type. Nothing was changed.",
            failures), field="field_type")
    for record in _records_with_values(field):
        record.custom = {**record.custom, field.key: converted[record.id]}
    field.field_type = new_type


def delete_field(field: FieldDefinition, confirmed: bool) -> int:
    """Delete a field and its values. With values stored, only when confirmed; each
    record's change is in the history. Returns how many values were removed."""
    count = value_count(field)
    if count and not confirmed:
        raise ServiceError(lazy_ngettext(
            "%(num)d record has a value in this field. Confirm to delete the field and "
            "this value.",
            "%(num)d records have a value in this field. Confirm to delete the field and "
            "these values.", count))
    for record in _records_with_values(field):
        record.custom = {k: v for k, v in record.custom.items() if k != field.key}
    db.session.delete(field)
    custom_fields.forget_definitions()
    return count
