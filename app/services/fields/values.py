"""Configurable fields (A5): the current tenant's definitions, and the values of one
record — checked, converted, shown. Queries over values are in custom_field_queries,
the administrator's changes to definitions in custom_field_admin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.numbers import format_decimal
from flask import g, has_app_context, has_request_context
from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.i18n import current_language
from app.models import Activity, Case, Contact, FieldDefinition, FieldSection, Organisation, Task
from app.models.custom_field import (
    BOOLEAN,
    CHOICE,
    CHOICE_TYPES,
    DATE,
    DECIMAL,
    EMAIL,
    INTEGER,
    MULTI_CHOICE,
    PHONE,
    URL,
    HasCustomFields,
)
from app.services import identifiers
from app.services.dates import UnreadableDate, parse_date
from app.services.errors import FieldErrors, ServiceError
from app.services.fields import kept
from app.services.times import OUT_OF_RANGE, supported
from app.tenancy import current_tenant_id

# Entities that take configurable fields.
ENTITIES: dict[str, type[Contact | Organisation | Case | Task | Activity]] = {
    "contact": Contact, "organisation": Organisation, "case": Case, "task": Task,
    "activity": Activity}
# JSON numbers are exact as integers up to 2**53; larger ones would silently change.
LARGEST_INTEGER = 2**53


def sections(entity: str) -> list[FieldSection]:
    """The tenant's sections of the entity in order, with their fields and choices:
    kept between requests while the tenant's definitions stay as they are
    (services.fields.kept), as objects of their own, outside the session: to change a
    definition, load it by its id."""
    tenant_id = current_tenant_id()
    if tenant_id is None:
        return []
    # g lives as long as the request, or the CLI command: one load for all its records
    cache = g.setdefault("custom_field_sections", {}) if has_app_context() else {}
    key = (tenant_id, entity)
    if key not in cache:
        # one statement (joined): each further loader statement cost more in the ORM
        # than the few rows it read
        cache[key] = kept.kept_sections(entity, (
            select(FieldSection).where(FieldSection.entity == entity)
            .order_by(FieldSection.position, FieldSection.id)
            .options(joinedload(FieldSection.fields).joinedload(FieldDefinition.choices))))
    return cache[key]


def forget_definitions() -> None:
    """Definitions changed: the next read in this request loads them again, from this
    request's session."""
    if has_app_context():
        g.pop("custom_field_sections", None)
        kept.mark_changed()


def active_fields(entity: str) -> list[FieldDefinition]:
    return [field for section in sections(entity) for field in section.fields if field.active]


def field_by_key(entity: str, key: str) -> FieldDefinition | None:
    """A field of the entity, active or not (None for an unknown entity or key)."""
    if entity not in ENTITIES:
        return None
    return next((f for s in sections(entity) for f in s.fields if f.key == key), None)


def field_by_form_name(entity: str, form_name: str) -> FieldDefinition | None:
    return next((f for f in active_fields(entity) if f.form_name == form_name), None)


# --- values -------------------------------------------------------------------------

def clean(field: FieldDefinition, raw: Any) -> Any:
    """The value to store for what a form, an import or an API gave; None when empty.
    Raises ServiceError (on the field's form name) for a value the type refuses."""
    if raw is None or raw == "" or raw == []:
        if field.required:
            raise ServiceError(_l("This field is required."), field=field.form_name)
        return None
    cleaner = _CLEANERS.get(field.field_type, _clean_text)
    value = cleaner(field, raw)
    if field.field_type in (INTEGER, DECIMAL):
        _check_range(field, value)
    return value


def _error(field: FieldDefinition, message) -> ServiceError:
    return ServiceError(message, field=field.form_name)


def _clean_text(field: FieldDefinition, raw: Any) -> str:
    text = str(raw).strip()
    if len(text) > 10_000:
        raise _error(field, _l("The text is too long."))
    return text


def _typed_number(raw: Any) -> Decimal | None:
    """The typed number, None when it is none or out of range. NaN, sNaN and infinity
    are refused before any comparison (sNaN raises on being compared)."""
    try:
        number = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() and abs(number) <= LARGEST_INTEGER else None


def _clean_integer(field: FieldDefinition, raw: Any) -> int:
    number = _typed_number(raw)
    if number is None or number != number.to_integral_value():
        raise _error(field, _l("Enter a whole number."))
    return int(number)


def _clean_decimal(field: FieldDefinition, raw: Any) -> int | float:
    number = _typed_number(raw)
    if number is None:
        raise _error(field, _l("Enter a number."))
    return int(number) if number == number.to_integral_value() else float(number)


def _check_range(field: FieldDefinition, value: int | float) -> None:
    low, high = field.min_value, field.max_value
    if (low is not None and Decimal(str(value)) < low) or (
            high is not None and Decimal(str(value)) > high):
        raise _error(field, _l("Enter a number from %(low)s to %(high)s.",
                               low=_number(low) if low is not None else "…",
                               high=_number(high) if high is not None else "…"))


def _clean_date(field: FieldDefinition, raw: Any) -> str:
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        if not supported(raw):
            raise _error(field, OUT_OF_RANGE)
        return raw.isoformat()
    try:  # as the language writes dates, or ISO (imports, the API)
        return parse_date(str(raw)).isoformat()
    except UnreadableDate as exc:
        raise _error(field, exc.message) from None


TRUE_WORDS = {"1", "true", "yes", "y", "on", "ja", "tak", "x"}
FALSE_WORDS = {"0", "false", "no", "n", "off", "nej", "nie"}


def _clean_boolean(field: FieldDefinition, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in TRUE_WORDS | FALSE_WORDS:
        return word in TRUE_WORDS
    raise _error(field, _l("Answer yes or no."))


def _choice_key(field: FieldDefinition, raw: Any) -> str:
    """A choice given by its key or by its label in any language."""
    text = str(raw).strip()
    for choice in field.choices:
        if text == choice.key or text.lower() in (
                label.lower() for label in choice.labels.values() if label):
            return choice.key
    raise _error(field, _l("Choose one of the listed values."))


def _clean_choice(field: FieldDefinition, raw: Any) -> str:
    return _choice_key(field, raw)


def _clean_multi_choice(field: FieldDefinition, raw: Any) -> list[str]:
    items = raw if isinstance(raw, list | tuple | set) else str(raw).split(";")
    keys = [_choice_key(field, item) for item in items if str(item).strip()]
    order = {choice.key: index for index, choice in enumerate(field.choices)}
    return sorted(set(keys), key=lambda key: order[key])  # every key is a choice's


def _clean_email(field: FieldDefinition, raw: Any) -> str:
    return identifiers.normalise_email(str(raw), field=field.form_name)


def _clean_url(field: FieldDefinition, raw: Any) -> str | None:
    try:
        return identifiers.normalise_website(str(raw))
    except ServiceError:
        raise _error(field, _l("This is not a valid web address.")) from None


def _clean_phone(field: FieldDefinition, raw: Any) -> str | None:
    from app.services.settings import phone_region

    return identifiers.normalise_phone(str(raw), phone_region(), field=field.form_name)


_CLEANERS: dict[str, Callable[[FieldDefinition, Any], Any]] = {
    INTEGER: _clean_integer, DECIMAL: _clean_decimal, DATE: _clean_date,
    BOOLEAN: _clean_boolean, CHOICE: _clean_choice, MULTI_CHOICE: _clean_multi_choice,
    EMAIL: _clean_email, URL: _clean_url, PHONE: _clean_phone,
}


def check_values(entity: str, raw_values: dict[str, Any]) -> dict[str, Any]:
    """The values to store, by field key (None for an emptied field), for values given
    by form name (``cf_<key>``) for the entity's active fields. Raises FieldErrors
    listing every refused field."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in active_fields(entity):
        if field.form_name not in raw_values:
            continue
        try:
            cleaned[field.key] = clean(field, raw_values[field.form_name])
        except ServiceError as exc:
            errors[field.form_name] = str(exc)
    if errors:
        raise FieldErrors(errors)
    return cleaned


def set_values(record: HasCustomFields, raw_values: dict[str, Any]) -> None:
    """Check and store values given by form name; values of fields not given (inactive
    ones included) are kept. Raises FieldErrors and changes nothing on a refused value."""
    values = dict(record.custom or {})
    for key, value in check_values(record.__custom_entity__, raw_values).items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    record.custom = values  # a new dict, so the change is seen and audited


def default_values(entity: str) -> dict[str, Any]:
    """Form values of a new record: each field's default, by form name."""
    return {f.form_name: form_value(f, f.default_value) for f in active_fields(entity)
            if f.default_value is not None}


def form_value(field: FieldDefinition, stored: Any) -> Any:
    """A stored value as a form field expects it."""
    if stored is None:
        return [] if field.field_type == MULTI_CHOICE else None
    if field.field_type == DATE:
        return dt.date.fromisoformat(stored)
    if field.field_type == DECIMAL:
        return Decimal(str(stored))
    if field.field_type == BOOLEAN:
        return "1" if stored else "0"
    return stored


def display(field: FieldDefinition, stored: Any) -> str:
    """A stored value as a reader sees it, in the current language."""
    if stored is None or stored == "" or stored == []:
        return ""
    kind = field.field_type
    if kind == DATE:
        return format_date(dt.date.fromisoformat(stored))
    if kind in (INTEGER, DECIMAL):
        return _number(stored)
    if kind == BOOLEAN:
        return str(_l("Yes") if stored else _l("No"))
    if kind in CHOICE_TYPES:
        labels = {c.key: c.label(current_language()) for c in field.choices}
        keys = stored if isinstance(stored, list) else [stored]
        return ", ".join(str(labels.get(key, key)) for key in keys)
    if kind == PHONE:
        region = identifiers.PHONE_REGION_OF_LANGUAGE.get(current_language())
        return identifiers.format_phone(stored, region)
    return str(stored)


def display_function(field: FieldDefinition) -> Callable[[Any], str]:
    """``display`` for many values of one field (a list column): the choices' labels
    looked up once, and each distinct value shown once."""
    shown: dict[Any, str] = {}
    if field.field_type in CHOICE_TYPES:
        labels = {c.key: str(c.label(current_language())) for c in field.choices}

        def show_choice(stored: Any) -> str:
            if stored is None or stored == "" or stored == []:
                return ""
            keys = stored if isinstance(stored, list) else [stored]
            return ", ".join(labels.get(key, str(key)) for key in keys)

        return show_choice

    def show(stored: Any) -> str:
        if isinstance(stored, list | dict):  # not hashable; not a value a field keeps
            return display(field, stored)
        key = (type(stored), stored)
        if key not in shown:
            shown[key] = display(field, stored)
        return shown[key]

    return show


def export_value(field: FieldDefinition, stored: Any) -> Any:
    """A stored value as a spreadsheet cell holds it: dates, numbers and yes/no typed,
    anything else as the reader sees it."""
    if stored is None or stored == "" or stored == []:
        return None
    kind = field.field_type
    if kind == DATE:
        return dt.date.fromisoformat(stored)
    if kind == INTEGER:
        return int(stored)
    if kind == DECIMAL:
        return Decimal(str(stored))
    if kind == BOOLEAN:
        return bool(stored)
    return display(field, stored)


def _number(value) -> str:
    if not has_request_context():
        return str(value)
    return _formatted_number(type(value).__name__, value, get_locale())


@lru_cache(maxsize=4096)
def _formatted_number(_kind: str, value: int | Decimal, locale: Locale | None) -> str:
    """A number as the locale writes it, remembered: Babel works the pattern out anew
    for every number (40 µs), and a list column repeats values (the type is part of
    the key: 1 and Decimal("1.0") are equal keys)."""
    return format_decimal(value, locale=locale)


def record_sections(record: HasCustomFields) -> list[tuple[str, list[tuple[str, str]]]]:
    """(section label, [(field label, shown value)]) of a record's active fields, for
    details pages and the profile."""
    lang = current_language()
    values = record.custom or {}
    return [
        (section.label(lang),
         [(field.label(lang), display(field, values.get(field.key)))
          for field in section.fields if field.active])
        for section in sections(record.__custom_entity__)
        if any(field.active for field in section.fields)
    ]
