"""The administrator's screen for configurable fields (A5): sections and fields of each
entity, their order, labels, types, choices, activation and deletion.

The rules live in services.fields.admin; this module parses forms, loads the
records named in the URL (another tenant's come back as None: 404) and renders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort, flash, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.wrappers import Response
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
)
from wtforms.validators import Length, Optional

from app.forms import TranslatedFlaskForm
from app.i18n import LANGUAGE_NAMES, current_language, form_translations
from app.models import FieldDefinition, FieldSection
from app.models.custom_field import (
    BOOLEAN,
    CHOICE,
    CHOICE_TYPES,
    DATE,
    DECIMAL,
    EMAIL,
    INTEGER,
    LONG_TEXT,
    MULTI_CHOICE,
    PHONE,
    TEXT,
    URL,
)
from app.services.fields import admin as field_admin
from app.services.fields import values as custom_fields
from app.services.fields.admin import ChoiceInput, FieldInput
from app.services.terms import term
from app.views.base import ADMIN
from app.views.screens import (
    STEPS,
    GroupedErrorsForm,
    LabelFields,
    ServiceScreenView,
    get_or_404,
    language_data,
    language_input,
    language_values,
)

TYPE_NAMES = {
    TEXT: _l("Text"),
    LONG_TEXT: _l("Long text"),
    INTEGER: _l("Whole number"),
    DECIMAL: _l("Decimal number"),
    DATE: _l("Date"),
    BOOLEAN: _l("Yes/no"),
    CHOICE: _l("Single choice"),
    MULTI_CHOICE: _l("Multiple choice"),
    EMAIL: _l("E-mail"),
    URL: _l("Web address"),
    PHONE: _l("Phone"),
}
NEW_CHOICE_ROWS = 3
BOUND_LIMIT = Decimal(10) ** 14


# --- forms --------------------------------------------------------------------------

class LimitField(DecimalField):
    """An optional bound of a number field: "1,5" or "1.5", within what the column holds
    (20 digits, 6 of them decimals)."""

    data: Decimal | None

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("validators", [Optional()])
        super().__init__(label, places=None, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata([value.strip().replace(",", ".") for value in valuelist])
        if self.data is not None and (not self.data.is_finite() or abs(self.data) >= BOUND_LIMIT):
            self.data = None
            raise ValueError(_l("Enter a number."))


class ChoiceRow(LabelFields, Form):
    """One row of the choices editor (a subform: the outer form carries the CSRF token)."""

    key = HiddenField()
    active = BooleanField(_l("Active"), default=True)

    class Meta:
        def get_translations(self, form):  # noqa: ARG002 - WTForms' signature
            return form_translations


class SectionForm(LabelFields, GroupedErrorsForm):
    pass


class FieldForm(LabelFields, GroupedErrorsForm):
    groups = ("labels", "help_texts", "choices")

    section = SelectField(_l("Section"), coerce=int)
    field_type = SelectField(_l("Type"), choices=list(TYPE_NAMES.items()))
    help_da = language_input("da", 1000)
    help_sv = language_input("sv", 1000)
    help_pl = language_input("pl", 1000)
    help_en = language_input("en", 1000)
    required = BooleanField(_l("Required"))
    default_value = StringField(_l("Default value"), validators=[Length(max=1000)])
    min_value = LimitField(_l("Smallest value"))
    max_value = LimitField(_l("Largest value"))
    show_in_list = BooleanField(_l("Shown in list"))
    searchable = BooleanField(_l("Searchable"))
    choices = FieldList(FormField(ChoiceRow))


def _field_input(form: FieldForm) -> FieldInput:
    return FieldInput(
        labels=language_values(form, "label"),
        field_type=form.field_type.data,
        help_texts=language_values(form, "help"),
        required=form.required.data,
        default_value=(form.default_value.data or "").strip() or None,
        min_value=form.min_value.data,
        max_value=form.max_value.data,
        show_in_list=form.show_in_list.data,
        searchable=form.searchable.data,
        choices=[ChoiceInput(labels=language_values(row.form, "label"),
                             key=row.form.key.data or None, active=row.form.active.data)
                 for row in form.choices],
    )


def _plain(number: Decimal | None) -> Decimal | None:
    """5.000000 → 5, for showing a stored bound."""
    return None if number is None else Decimal(format(number.normalize(), "f"))


def _field_data(field: FieldDefinition) -> dict[str, Any]:
    choices = [{"key": c.key, "active": c.active, **language_data("label", c.labels)}
               for c in field.choices]
    return {
        "section": field.section_id, "field_type": field.field_type,
        **language_data("label", field.labels), **language_data("help", field.help_texts),
        "required": field.required,
        "default_value": field_admin.as_text(field, field.default_value),
        "min_value": _plain(field.min_value), "max_value": _plain(field.max_value),
        "show_in_list": field.show_in_list, "searchable": field.searchable,
        "choices": choices,
    }


def _pad_choice_rows(form: FieldForm) -> None:
    """Keep empty rows for new choices at the end of the editor (after a refused POST
    too, whatever rows it sent)."""
    def empty(row: Any) -> bool:
        return not row.form.key.data and not any(language_values(row.form, "label").values())

    trailing = 0
    for row in reversed(form.choices.entries):
        if not empty(row):
            break
        trailing += 1
    for _row in range(NEW_CHOICE_ROWS - trailing):
        form.choices.append_entry({"active": True})


def _flash_kept_choices(field: FieldDefinition, form: FieldForm) -> None:
    """Say which emptied choices records use, so they were deactivated, not deleted."""
    emptied = {row.form.key.data for row in form.choices
               if row.form.key.data and not any(language_values(row.form, "label").values())}
    lang = current_language()
    kept = [c.label(lang) for c in field.choices if c.key in emptied]
    if kept and field.field_type in CHOICE_TYPES:
        flash(ngettext("The choice %(names)s is in use, so it was deactivated instead of "
                       "deleted.",
                       "The choices %(names)s are in use, so they were deactivated instead "
                       "of deleted.", len(kept), names=", ".join(kept)), "info")


def _deleted_message(count: int) -> str:
    if not count:
        return _("The field was deleted.")
    return ngettext("The field and %(num)d stored value were deleted.",
                    "The field and its %(num)d stored values were deleted.", count)


# --- loading what the URL names -----------------------------------------------------

def _entity(name: str | None) -> str:
    if name not in custom_fields.ENTITIES:
        abort(404)
    return name


def _entity_names() -> dict[str, str]:
    return {"contact": term("plural"), "organisation": _("Organisations"),
            "case": _("Cases"), "task": _("Tasks"), "activity": _("Activities")}


def _section(section_id: int) -> FieldSection:
    return get_or_404(FieldSection, section_id)


def _field(field_id: int) -> FieldDefinition:
    return get_or_404(FieldDefinition, field_id)


def _section_choices(entity: str) -> list[tuple[int, str]]:
    lang = current_language()
    return [(s.id, s.label(lang)) for s in custom_fields.sections(entity)]


# --- the view -----------------------------------------------------------------------

class FieldAdminView(ServiceScreenView):
    access = ADMIN

    def back_url(self, place: str) -> str:
        return url_for(".index", entity=place)

    def after_rollback(self) -> None:
        custom_fields.forget_definitions()

    def render(self, template: str, **kwargs: Any) -> str:
        if "entity" in kwargs:
            kwargs["entity_name"] = _entity_names()[kwargs["entity"]]
        return super().render(template, **kwargs)

    @expose("/")
    def index(self) -> str:
        entity = _entity(request.args.get("entity", "contact"))
        return self.render("kontakt/fields/index.html", entity=entity,
                           tabs=list(_entity_names().items()),
                           sections=custom_fields.sections(entity),
                           lang=current_language(), type_names=TYPE_NAMES,
                           form=TranslatedFlaskForm())

    # --- sections ---

    @expose("/section/new/", methods=("GET", "POST"))
    def new_section(self) -> Response | str:
        entity = _entity(request.args.get("entity", "contact"))
        form = SectionForm()
        return self._submitted(
            form, lambda: field_admin.create_section(entity, language_values(form, "label")),
            _("The section was created."), entity) or self._render_section_form(form, entity)

    @expose("/section/<int:section_id>/edit/", methods=("GET", "POST"))
    def edit_section(self, section_id: int) -> Response | str:
        section = _section(section_id)
        entity = section.entity
        form = SectionForm(data=language_data("label", section.labels))
        return self._submitted(
            form, lambda: field_admin.rename_section(section, language_values(form, "label")),
            _("The section was renamed."), entity) or self._render_section_form(
                form, entity, section)

    def _render_section_form(self, form: SectionForm, entity: str,
                             section: FieldSection | None = None) -> str:
        return self.render("kontakt/fields/section_form.html", form=form, entity=entity,
                           section=section)

    @expose("/section/<int:section_id>/move/<any(up, down):direction>/", methods=("POST",))
    def move_section(self, section_id: int, direction: str) -> Response:
        section = _section(section_id)
        return self._button(section.entity,
                            lambda: field_admin.move(section, STEPS[direction]),
                            _("The order was changed."))

    @expose("/section/<int:section_id>/delete/", methods=("POST",))
    def delete_section(self, section_id: int) -> Response:
        section = _section(section_id)
        return self._button(section.entity, lambda: field_admin.delete_section(section),
                            _("The section was deleted."))

    # --- fields ---

    def _render_field_form(self, form: FieldForm, entity: str,
                           field: FieldDefinition | None) -> str:
        _pad_choice_rows(form)
        return self.render("kontakt/fields/field_form.html", form=form, entity=entity,
                           field=field, language_names=LANGUAGE_NAMES)

    @expose("/section/<int:section_id>/field/new/", methods=("GET", "POST"))
    def new_field(self, section_id: int) -> Response | str:
        section = _section(section_id)
        entity = section.entity
        form = FieldForm(data={"section": section.id, "field_type": TEXT})
        form.section.choices = _section_choices(entity)

        def create() -> None:
            target = _section(form.section.data)
            field_admin.create_field(target, _field_input(form))

        return (self._submitted(form, create, _("The field was created."), entity)
                or self._render_field_form(form, entity, None))

    @expose("/field/<int:field_id>/edit/", methods=("GET", "POST"))
    def edit_field(self, field_id: int) -> Response | str:
        field = _field(field_id)
        entity = field.entity
        form = FieldForm(data=_field_data(field))
        form.section.choices = _section_choices(entity)

        def update() -> None:
            field_admin.update_field(field, _field_input(form),
                                     section=_section(form.section.data))

        if form.validate_on_submit() and self._attempt(form, update):
            flash(_("The field was saved."), "success")
            _flash_kept_choices(field, form)
            return self._back(entity)
        return self._render_field_form(form, entity, field)

    @expose("/field/<int:field_id>/move/<any(up, down):direction>/", methods=("POST",))
    def move_field(self, field_id: int, direction: str) -> Response:
        field = _field(field_id)
        return self._button(field.entity, lambda: field_admin.move(field, STEPS[direction]),
                            _("The order was changed."))

    @expose("/field/<int:field_id>/<any(activate, deactivate):action>/", methods=("POST",))
    def set_active(self, field_id: int, action: str) -> Response:
        field = _field(field_id)
        active = action == "activate"
        message = _("The field was activated.") if active else _(
            "The field was deactivated. Its stored values are kept.")
        return self._button(field.entity, lambda: field_admin.set_active(field, active),
                            message)

    @expose("/field/<int:field_id>/delete/", methods=("GET", "POST"))
    def delete_field(self, field_id: int) -> Response | str:
        field = _field(field_id)
        entity = field.entity
        form = TranslatedFlaskForm()
        removed: list[int] = []

        def delete() -> None:
            confirmed = request.form.get("confirm") == "1"
            removed.append(field_admin.delete_field(field, confirmed=confirmed))

        if form.validate_on_submit() and self._attempt(None, delete):
            flash(_deleted_message(removed[0]), "success")
            return self._back(entity)
        return self.render("kontakt/fields/delete_field.html", form=form, entity=entity,
                           field=field, count=field_admin.value_count(field),
                           lang=current_language())
