"""Form base classes whose validation messages follow the user's language, whose
help texts are always shown as text, and which refuse a related record's id that
names nothing the user may choose."""

from __future__ import annotations

from collections.abc import Iterator

from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.form import BaseForm
from flask_admin.model.fields import AjaxSelectField
from flask_wtf import FlaskForm
from markupsafe import escape
from wtforms import Field, FieldList, FormField
from wtforms.meta import DefaultMeta

from app.i18n import form_translations

BLANK_CHOICES = ("", "__None")  # what a select posts for "none"


class KontaktMeta(DefaultMeta):
    """Meta of every form: our translations, and each field's description escaped.

    Flask-Admin's ``render_field`` macro prints a description with ``|safe``, and help
    texts of configurable fields are written by a tenant's administrator: escaped here,
    they are text wherever a form is shown. Texts that are meant as HTML stay as they
    are (``Markup`` and translated strings, which escape() leaves alone)."""

    def get_translations(self, form):  # noqa: ARG002 - WTForms' signature
        return form_translations

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if field.description:
            field.description = escape(field.description)
        if vars(field).get("allow_blank"):  # not getattr: a FormField forwards it
            _one_blank_choice(field)
        return field


NO_CHOICE = "—"  # the label of a select's empty choice (Flask-Admin shows its value)


def _one_blank_choice(field: Field) -> None:
    """A select that may be left empty offers one empty choice, labelled ``—``:
    Flask-Admin adds one whose label is empty (shown as its value, "__None"), also
    to selects whose choices already hold an empty one."""
    choices = getattr(field, "choices", None) or ()
    if any(isinstance(choice, tuple) and choice[0] in BLANK_CHOICES for choice in choices):
        field.allow_blank = False
    elif not str(field.blank_text or "").strip():
        field.blank_text = NO_CHOICE


def once_per_row(form_class: type) -> type:
    """``form_class`` for a form a list repeats in every row (Flask-Admin's delete
    button): its hidden inputs carry no id, which every row would repeat (WCAG 4.1.1)."""

    class Meta:
        def render_field(self, field, render_kw):
            if field.type in ("HiddenField", "CSRFTokenField"):
                render_kw = {**render_kw, "id": False}
            return super().render_field(field, render_kw)  # type: ignore[misc]  # the form Meta's

    return type(form_class.__name__, (form_class,), {"Meta": Meta})


class TranslatedFlaskForm(FlaskForm):
    class Meta(KontaktMeta):
        pass


def relation_fields(form) -> Iterator[Field]:
    """The form's fields that choose related records (drop-downs and lookups, single or
    multiple), inline forms' included unless they check themselves."""
    for field in form:
        if isinstance(field, QuerySelectField | AjaxSelectField):
            yield field
        elif isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField) and not isinstance(entry.form,
                                                                   TranslatedAdminForm):
                    yield from relation_fields(entry.form)
        elif isinstance(field, FormField) and not isinstance(field.form, TranslatedAdminForm):
            yield from relation_fields(field.form)


def submitted_ids(field: Field) -> set[str]:
    """The ids posted for a relation field (a lookup of several posts them comma-separated)."""
    return {part.strip() for raw in field.raw_data or () for part in str(raw).split(",")
            if part.strip() not in BLANK_CHOICES}


def refuse_unknown_choices(form) -> bool:
    """An id that names no record the field offers (another tenant's, an unknown or an
    inactive one) is refused beside its field. Flask-Admin's fields would quietly save
    an empty value instead (a single choice that may be blank), or keep only the known
    ones (a multiple choice). False when some id was refused."""
    valid = True
    for field in relation_fields(form):
        submitted = submitted_ids(field)
        if not submitted:
            continue
        data = field.data
        found = data if isinstance(data, list) else [] if data is None else [data]
        if len(found) < len(submitted):
            valid = False
            if not field.errors:
                field.errors = [*field.errors, field.gettext("Not a valid choice.")]
    return valid


class TranslatedAdminForm(BaseForm):
    """Base form of every Flask-Admin view (CSRF comes from CSRFProtect)."""

    class Meta(KontaktMeta):
        pass

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return refuse_unknown_choices(self) and valid
