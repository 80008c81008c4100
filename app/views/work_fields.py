"""Pieces of the case and task screens that Flask-Admin does not give as needed: times
typed in the display time zone (and edited in place in lists), choices and filter
options computed per request from the tenant's data, and filters whose values are
checked before they reach the database."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import g, has_request_context, json
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual, FilterInList
from flask_admin.form import DateTimeField
from flask_admin.model.widgets import XEditableWidget
from markupsafe import Markup, escape
from wtforms.validators import InputRequired, StopValidation
from wtforms.widgets.core import clean_key

from app.services import dictionaries
from app.services.dates import datetime_text, parse_datetime, picker_format
from app.services.times import display_zone, local_text, local_time
from app.tenancy import current_tenant_id
from app.views.base import record_id
from app.views.date_fields import typed_value
from app.views.list_rows import choice_list_ref

# --- times ----------------------------------------------------------------------------

class LocalDateTimeField(DateTimeField):
    """A date and time typed and shown in the display time zone as the user's language
    writes them (services.dates), kept in UTC."""

    data: datetime | None

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        kwargs.pop("format", None)  # the language's, not one fixed format
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist) -> None:
        self.data = None
        moment = typed_value(valuelist, parse_datetime)
        if moment is not None:
            self.data = moment.replace(tzinfo=display_zone()).astimezone(UTC)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return datetime_text(local_time(self.data))

    def __call__(self, **kwargs) -> str:
        kwargs.setdefault("data-date-format", picker_format(with_time=True))
        return super().__call__(**kwargs)


class EditableListWidget(XEditableWidget):
    """Flask-Admin's in-place list editor, which also edits LocalDateTimeFields (its own
    knows only fields named DateTimeField, and would start from the shown text), gives
    each row's editor an id of its own (Flask-Admin's repeats the field's id down the
    column: WCAG 2.1's 4.1.1 wants ids unique), and writes its attributes with plain
    string operations: a list draws one per editable cell, and WTForms' html_params (a
    Markup.format per attribute) was most of that."""

    def __call__(self, field, **kwargs) -> Markup:
        """As XEditableWidget.__call__ (Flask-Admin 2.2.1), the same HTML but the id."""
        display_value = kwargs.pop("display_value", "")
        kwargs.setdefault("data-value", display_value)
        kwargs.setdefault("data-role", "x-editable")
        kwargs.setdefault("data-url", "./ajax/update/")
        kwargs.setdefault("name", field.name)
        # x-editable posts the value under data-name, else under the element's id
        kwargs.setdefault("data-name", field.name)
        kwargs.setdefault("href", "#")
        if not kwargs.get("pk"):
            raise ValueError("pk required")
        kwargs["data-pk"] = str(kwargs.pop("pk"))
        kwargs.setdefault("id", f"{field.id}-{kwargs['data-pk']}")
        kwargs["data-csrf"] = kwargs.pop("csrf", "")
        kwargs = self.get_kwargs(field, kwargs)
        return Markup(f"<a {row_attributes(kwargs)}>{escape(display_value)}</a>")

    def get_kwargs(self, field, kwargs: dict[str, str]) -> dict[str, str]:
        if (field.type in RELATION_FIELD_TYPES and field.query is None
                and field.query_factory is not None):
            return relation_kwargs(field, kwargs)
        if not isinstance(field, LocalDateTimeField):
            return super().get_kwargs(field, kwargs)
        kwargs.update({"data-type": "combodate", "data-format": "YYYY-MM-DD HH:mm:ss",
                       # the drop-downs in the language's order (e.g. day, month, year)
                       "data-template": picker_format(with_time=True),
                       "data-role": "x-editable-combodate",
                       "data-value": local_text(field.data, "%Y-%m-%d %H:%M:%S")})
        return kwargs


def html_attributes(attributes: dict[str, Any]) -> str:
    """What wtforms.widgets.html_params writes (sorted, ``True`` as a bare name, ``False``
    left out, every value escaped), with plain string operations."""
    parts = []
    for key, value in sorted(attributes.items()):
        name = escape(clean_key(key))
        if value is True:
            parts.append(str(name))
        elif value is not False:
            parts.append(f'{name}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return " ".join(parts)


# The attributes an editor has of its own row; the others repeat down the column.
ROW_ATTRIBUTES = ("data-pk", "data-value", "id")
STAND_IN = {name: f"\0{name}\0" for name in ROW_ATTRIBUTES}


def row_attributes(attributes: dict[str, Any]) -> str:
    """``html_attributes``, with the attributes that repeat down a list's column
    written once per request: those of the row go into the cached text afterwards."""
    written = g.setdefault("editor_attributes", {}) if has_request_context() else {}
    shared = {key: value for key, value in attributes.items() if key not in ROW_ATTRIBUTES}
    key = tuple(sorted((name, value) for name, value in shared.items()))
    try:
        hash(key)
    except TypeError:  # a value that cannot be a key: written as it is
        return html_attributes(attributes)
    if key not in written:
        written[key] = html_attributes(
            {**shared, **{name: STAND_IN[name] for name in ROW_ATTRIBUTES
                          if name in attributes}})
    text = written[key]
    for name in ROW_ATTRIBUTES:
        if name in attributes:
            value = str(escape(attributes[name])).replace('"', "&quot;")
            text = text.replace(STAND_IN[name], value)
    return text


RELATION_FIELD_TYPES = ("QuerySelectField", "ModelSelectField")


def relation_kwargs(field, kwargs: dict[str, str]) -> dict[str, str]:
    """Flask-Admin's in-place editor of a relation (XEditableWidget.get_kwargs), its
    choices named (``data-source-ref``), not carried: their JSON is made once per
    request for each list of choices (a list's forms share one, limit_choices) and
    written once on the page (list_rows.choice_list_ref)."""
    objects = field.query_factory()
    sources = g.setdefault("editable_choice_sources", {})
    key = (field.name, id(objects))
    if key not in sources or sources[key][0] is not objects:
        values = {id(obj): str(field.get_pk(obj)) for obj in objects}
        choices = [{"value": values[id(obj)], "text": _label(field, obj)} for obj in objects]
        if field.allow_blank:
            choices.insert(0, {"value": "__None", "text": str(field.blank_text)})
        # the choices' values by record, so a row finds its own without going through
        # every choice
        sources[key] = (objects, choice_list_ref(json.dumps(choices)), values)
    _objects, source, values = sources[key]
    data = field.data
    kwargs["data-type"] = "select2"
    kwargs["data-source-ref"] = source
    if data is None and field.allow_blank:
        kwargs["data-value"] = "__None"
    else:  # the record among the choices (the same object: the session has one), or none
        kwargs["data-value"] = values.get(id(data), "")
    return kwargs


def _label(field, record) -> str:
    try:
        return str(field.get_label(record))
    except TypeError:  # as Flask-Admin: a label that cannot be text is shown empty
        return ""


class InputRequiredWith(InputRequired):
    """InputRequired with our own (lazily translated) message, handed on as text:
    Flask-Admin shows only field errors that are strings."""

    def __call__(self, form, field) -> None:
        try:
            super().__call__(form, field)
        except StopValidation as exc:
            raise StopValidation(str(exc.args[0])) from None


# --- choices per request --------------------------------------------------------------

T = TypeVar("T")

def per_request(build: Callable[[], T], key: Hashable | None = None) -> T:
    """What ``build`` returns, computed once per request (a list page asks per row);
    ``key`` names it where ``build`` is made anew on each call."""
    if not has_request_context():
        return build()
    cache = g.setdefault("work_choices", {})
    key = build if key is None else key
    if key not in cache:
        cache[key] = build()
    return cache[key]


def limit_choices(form, record, sources: dict[str, Callable[[], list]]) -> None:
    """Give the form's relation fields the current tenant's choices: ``sources`` names
    the field and the function of its active choices. A record keeps the choice it
    holds even when that is no longer active."""
    for name, source in sources.items():
        if name not in form:
            continue
        choices = per_request(source)
        held = getattr(record, name, None) if record is not None else None
        if held is not None and held not in choices:
            choices = [*choices, held]
        form[name].query = None
        form[name].query_factory = lambda choices=choices: choices


def every_entry(dictionary: str) -> list:
    """A dictionary's entries in order, inactive ones too, read once per request: a
    list of tasks wants them as choices, as filter options and for its rows' values."""
    return per_request(lambda: dictionaries.entries(dictionary, active_only=False),
                       key=("dictionary", dictionary))


def dictionary_entries(dictionary: str) -> Callable[[], list]:
    """The source of a dictionary's active entries (for limit_choices)."""
    def active_entries() -> list:
        return [entry for entry in every_entry(dictionary) if entry.active]

    return active_entries


def dictionary_options(dictionary: str) -> Callable[[], list[tuple[str, str]]]:
    """Filter options of a dictionary: every entry, inactive ones too, since records
    still hold them."""
    def options() -> list[tuple[str, str]]:
        if current_tenant_id() is None:  # Flask-Admin asks once at start-up, for nothing
            return []
        return [(str(entry.id), str(entry)) for entry in every_entry(dictionary)]

    return options


# --- filters --------------------------------------------------------------------------

class IdEqualFilter(FilterEqual):
    """Equality with a record id; a value that cannot be an id is refused (not sent to
    the database, where PostgreSQL would fail on it)."""

    def validate(self, value) -> bool:
        return record_id(value) is not None

    def clean(self, value) -> int | None:
        return record_id(value)


class IdInListFilter(FilterInList):
    """Any of several record ids (Flask-Admin's tag input, options per request)."""

    def validate(self, value) -> bool:
        ids = super().clean(value)
        return bool(ids) and all(record_id(item) is not None for item in ids)

    def clean(self, value) -> list[int]:
        ids = (record_id(item) for item in super().clean(value))
        return [number for number in ids if number is not None]  # validate refused others


class ConditionFilter(BaseSQLAFilter):
    """A filter whose SQL condition a service builds from the value: ``parse`` turns
    the typed text into the value (None refuses it), ``condition`` makes the SQL."""

    def __init__(self, column, name, operation, condition: Callable[[Any], Any],
                 parse: Callable[[str], Any] = str.strip, options=None) -> None:
        super().__init__(column, name, options=options)
        self._operation, self.condition, self.parse = operation, condition, parse

    def validate(self, value) -> bool:
        return self.parse(value) not in (None, "")

    def clean(self, value):
        return self.parse(value)

    def apply(self, query, value, alias=None):
        return query.filter(self.condition(value))

    def operation(self):
        return self._operation
