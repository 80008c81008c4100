"""Configurable fields on Flask-Admin screens: form fields under their section headings,
list columns, sorting, filters, search, details and export — all built per request from
the current tenant's definitions, so one tenant's fields never reach another's screens.

Flask-Admin computes its columns, filters and form classes once at start-up and keeps
them on the view. :class:`~app.views.admin_compat.PerRequestAttributes` turns those
attributes into "start-up value plus the tenant's fields", computed once per request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.form.widgets import Select2Widget
from flask_admin.helpers import get_form_data
from flask_admin.model.base import FilterGroup
from flask_admin.model.filters import BaseDateBetweenFilter
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from wtforms import (
    DecimalField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    URLField,
)
from wtforms.validators import InputRequired, Optional

from app.i18n import current_language
from app.models.custom_field import (
    BOOLEAN,
    CHOICE_TYPES,
    DATE,
    DECIMAL,
    EMAIL,
    INTEGER,
    LONG_TEXT,
    MULTI_CHOICE,
    NUMBER_TYPES,
    PHONE,
    TEXT_TYPES,
    URL,
    FieldDefinition,
)
from app.services.errors import FieldErrors
from app.services.fields import kept as kept_definitions
from app.services.fields import queries
from app.services.fields import values as custom_fields
from app.views.admin_compat import ModelViewMixin, PerRequestAttributes
from app.views.base import show_refusal
from app.views.date_fields import LocaleDateField, LocaleMomentFilter

# --- filters ------------------------------------------------------------------------

class CustomFieldFilter(BaseSQLAFilter):
    """A filter on one configurable field, applied by the service's SQL condition."""

    def __init__(self, model, field: FieldDefinition, operation: str, label, options=None,
                 data_type=None):
        super().__init__(model.id, field.label(current_language()), options=options,
                         data_type=data_type)
        self.model, self.field, self.kind = model, field, operation
        self.label = label

    def operation(self):
        return self.label

    def apply(self, query, value, alias=None):
        return query.filter(queries.condition(self.model, self.field, self.kind, value))


class CustomNumberFilter(CustomFieldFilter):
    def validate(self, value) -> bool:
        try:
            float(str(value).replace(",", "."))
        except ValueError:
            return False
        return True

    def clean(self, value) -> float:
        return float(str(value).replace(",", "."))


class CustomDateRangeFilter(LocaleMomentFilter, BaseDateBetweenFilter, CustomFieldFilter):
    between = True

    def __init__(self, model, field: FieldDefinition):
        CustomFieldFilter.__init__(self, model, field, "between", _l("between"),
                                   data_type="daterangepicker")

    def operation(self):
        return _l("between")

    def apply(self, query, value, alias=None):
        start, end = value
        return query.filter(
            queries.condition(self.model, self.field, queries.AT_LEAST, start),
            queries.condition(self.model, self.field, queries.AT_MOST, end))


def filters_for(model, field: FieldDefinition) -> list[BaseSQLAFilter]:
    kind = field.field_type
    if kind in TEXT_TYPES:
        return [CustomFieldFilter(model, field, queries.CONTAINS, _l("contains"))]
    if kind in NUMBER_TYPES:
        return [CustomNumberFilter(model, field, queries.AT_LEAST, _l("at least")),
                CustomNumberFilter(model, field, queries.AT_MOST, _l("at most"))]
    if kind == DATE:
        return [CustomDateRangeFilter(model, field)]
    if kind == BOOLEAN:
        return [BooleanFieldFilter(model, field, queries.EQUALS, _l("equals"),
                                   options=[("1", _l("Yes")), ("0", _l("No"))])]
    lang = current_language()
    options = [(c.key, c.label(lang)) for c in field.choices]
    return [CustomFieldFilter(model, field, queries.EQUALS, _l("equals"), options=options)]


class BooleanFieldFilter(CustomFieldFilter):
    def validate(self, value) -> bool:
        return value in ("0", "1")

    def clean(self, value) -> bool:
        return value == "1"


def group_filters(view, filters: list) -> tuple[dict, dict]:
    """Flask-Admin's filter groups and URL arguments for a list of filters."""
    groups: dict[str, FilterGroup] = {}
    arguments: dict[str, tuple[int, Any]] = {}
    for index, flt in enumerate(filters):
        key = str(flt.name)
        groups.setdefault(key, FilterGroup(flt.name)).append({
            "index": index, "arg": view.get_filter_arg(index, flt),
            "operation": flt.operation(), "options": view.filter_options(flt) or None,
            "type": flt.data_type,
        })
        arguments[view.get_filter_arg(index, flt)] = (index, flt)
    return groups, arguments


# --- form fields --------------------------------------------------------------------

def form_field(field: FieldDefinition, current: Any = None):
    """The WTForms field for a definition; ``current`` keeps an inactive choice that a
    record still holds selectable."""
    lang = current_language()
    kwargs = {"label": field.label(lang), "description": field.help_text(lang),
              "validators": [InputRequired() if field.required else Optional()]}
    kind = field.field_type
    if kind in CHOICE_TYPES:
        held = set(current if isinstance(current, list) else [current])
        choices = [(c.key, c.label(lang)) for c in field.choices if c.active or c.key in held]
        if kind == MULTI_CHOICE:
            return SelectMultipleField(choices=choices, widget=Select2Widget(multiple=True),
                                       **kwargs)
        return SelectField(choices=[("", "—"), *choices], **kwargs)
    if kind == BOOLEAN:
        return SelectField(choices=[("", "—"), ("1", _l("Yes")), ("0", _l("No"))], **kwargs)
    render = {}
    if kind in NUMBER_TYPES:
        render = {k: plain_number(v) for k, v in (("min", field.min_value),
                                                  ("max", field.max_value)) if v is not None}
        if kind == DECIMAL:
            render["step"] = "any"
    field_class = FORM_FIELD_CLASSES.get(kind, StringField)
    return field_class(render_kw=render or None, **kwargs)


def plain_number(value) -> str:
    """1000.000000 → "1000", 2.500000 → "2.5" (HTML attributes want plain numbers)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


FORM_FIELD_CLASSES = {
    LONG_TEXT: TextAreaField, INTEGER: IntegerField, DECIMAL: DecimalField,
    DATE: LocaleDateField, EMAIL: EmailField, URL: URLField, PHONE: TelField,
}


def form_class_with_fields(base, entity: str, record=None):
    """A subclass of the view's form class with the tenant's active fields; the form
    knows its sections (``custom_sections``) for the templates."""
    values = (record.custom or {}) if record is not None else {}
    attributes: dict[str, Any] = {"custom_sections": []}
    lang = current_language()
    for section in custom_fields.sections(entity):
        names = []
        for field in section.fields:
            if field.active:
                attributes[field.form_name] = form_field(field, values.get(field.key))
                names.append(field.form_name)
        if names:
            attributes["custom_sections"].append((section.label(lang), names))
    attributes["custom_field_names"] = frozenset(
        name for _label, names in attributes["custom_sections"] for name in names)
    return type(f"{base.__name__}WithFields", (base,), attributes)



# --- the mixin ----------------------------------------------------------------------

# The view attributes the tenant's field definitions extend.
DEFINED_BY_FIELDS = frozenset(("list_columns", "sortable_columns", "export_columns", "filters",
                               "filter_groups", "filter_args"))


class CustomFieldsMixin(PerRequestAttributes, ModelViewMixin):
    """Put before the ModelView base: ``class ContactView(CustomFieldsMixin, …)``.
    The view's model has HasCustomFields; its ``__custom_entity__`` names the fields."""

    @property
    def custom_entity(self) -> str:
        return self.model.__custom_entity__

    def extend_for_request(self, name: str, static):
        if name not in DEFINED_BY_FIELDS:
            return static
        sections = custom_fields.sections(self.custom_entity)
        # built once per revision of the tenant's definitions and language, and kept
        return kept_definitions.kept_for(
            sections, (id(self), name, current_language()),
            lambda: self._extended(name, static))

    def _extended(self, name: str, static):
        fields = custom_fields.active_fields(self.custom_entity)
        listed = [f for f in fields if f.show_in_list]
        lang = current_language()
        if name == "list_columns":
            return [*static, *((f.form_name, f.label(lang)) for f in listed)]
        if name == "sortable_columns":
            return {**static, **{f.form_name: f for f in listed}}
        if name == "export_columns":
            return [*static, *((f.form_name, f.label(lang)) for f in fields)]
        if name == "filters":
            return [*(static or []), *(flt for f in fields for flt in filters_for(self.model, f))]
        # both come from one pass over the filters (each may query its options)
        cache = g.setdefault("filter_groups_of_view", {})
        if id(self) not in cache:
            cache[id(self)] = group_filters(self, self.current_filters())
        groups, arguments = cache[id(self)]
        return (groups or None) if name == "filter_groups" else (arguments or None)

    def kept_filter_groups(self, key: tuple, build: Callable[[], Any]) -> Any:
        return kept_definitions.kept_for(
            custom_fields.sections(self.custom_entity), (id(self), "shaped_filter_groups", key),
            build)

    def apply_sorting(self, query, joins, sort_column, sort_desc):
        field = self.current_sortable_columns().get(sort_column) if sort_column else None
        if not isinstance(field, FieldDefinition):
            return super().apply_sorting(query, joins, sort_column, sort_desc)
        identity = self.model.id.desc() if sort_desc else self.model.id.asc()
        if field.field_type in NUMBER_TYPES:
            # one direction throughout, as the field's sort indexes read it
            key = queries.number_sort_key(self.model, field.key, bool(sort_desc))
            return query.order_by(key.desc() if sort_desc else key.asc(), identity), joins
        expression = queries.sort_expression(self.model, field)
        order = expression.desc() if sort_desc else expression.asc()
        # empty values last either way, on both databases
        return query.order_by(order.nulls_last(), identity), joins

    def extra_search_conditions(self, search: str) -> list:
        """Any searchable configurable field containing the search text."""
        custom = queries.search_condition(
            self.model, custom_fields.active_fields(self.custom_entity), search)
        return [custom] if custom is not None else []

    @pass_context
    def get_list_value(self, context, model, name):
        if name.startswith("cf_"):
            return self._custom_value(model, name)
        return super().get_list_value(context, model, name)

    def list_cell_function(self, name: str):
        if not name.startswith("cf_"):
            return super().list_cell_function(name)
        field = custom_fields.field_by_form_name(self.custom_entity, name)
        if field is None:
            return lambda model: ""
        show = custom_fields.display_function(field)
        return lambda model: show((model.custom or {}).get(field.key))

    def get_export_value(self, model, name):
        if name.startswith("cf_"):
            field = custom_fields.field_by_form_name(self.custom_entity, name)
            if field is None:
                return None
            return custom_fields.export_value(field, (model.custom or {}).get(field.key))
        return super().get_export_value(model, name)

    def _custom_value(self, model, name: str) -> str:
        field = custom_fields.field_by_form_name(self.custom_entity, name)
        if field is None:
            return ""
        return custom_fields.display(field, (model.custom or {}).get(field.key))

    def create_form(self, obj=None):
        form_class = form_class_with_fields(self.create_form_class(), self.custom_entity)
        form = form_class(get_form_data(), obj=obj,
                          **custom_fields.default_values(self.custom_entity))
        form.edited_obj = None
        return form

    def edit_form(self, obj=None):
        form_class = form_class_with_fields(self.edit_form_class(), self.custom_entity, obj)
        values = (obj.custom or {}) if obj is not None else {}
        initial = {f.form_name: custom_fields.form_value(f, values.get(f.key))
                   for f in custom_fields.active_fields(self.custom_entity)}
        form = form_class(get_form_data(), obj=obj, **initial)
        form.edited_obj = obj
        return form

    def validate_form(self, form) -> bool:
        valid = super().validate_form(form)
        if not hasattr(form, "custom_sections"):  # delete and action forms
            return valid
        try:
            custom_fields.check_values(self.custom_entity, custom_form_data(form))
        except FieldErrors as exc:
            show_refusal(form, exc)
            return False
        return valid

    def on_model_change(self, form, model, is_created: bool) -> None:
        super().on_model_change(form, model, is_created)
        custom_fields.set_values(model, custom_form_data(form))

    def render(self, template, **kwargs):
        kwargs.setdefault("custom_field_sections", custom_fields.record_sections)
        return super().render(template, **kwargs)


def custom_form_data(form) -> dict[str, Any]:
    # in-place list edits (column_editable_list) send a form without configurable fields
    sections = getattr(form, "custom_sections", ())
    return {name: form[name].data for _label, names in sections for name in names}

