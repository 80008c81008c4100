"""Form base classes whose validation messages follow the user's language, and which
refuse a related record's id that names nothing the user may choose."""

from __future__ import annotations

from collections.abc import Iterator

from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.form import BaseForm
from flask_admin.model.fields import AjaxSelectField
from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField

from app.i18n import form_translations

BLANK_CHOICES = ("", "__None")  # what a select posts for "none"


class TranslatedFlaskForm(FlaskForm):
    class Meta:
        def get_translations(self, form):  # noqa: ARG002 - WTForms' signature
            return form_translations


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

    class Meta:
        def get_translations(self, form):  # noqa: ARG002
            return form_translations

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return refuse_unknown_choices(self) and valid
