"""Form base classes whose validation messages follow the user's language and whose
help texts are always shown as text."""

from __future__ import annotations

from flask_admin.form import BaseForm
from flask_wtf import FlaskForm
from markupsafe import escape

from app.i18n import form_translations


class KontaktMeta:
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
        return field


class TranslatedFlaskForm(FlaskForm):
    class Meta(KontaktMeta):
        pass


class TranslatedAdminForm(BaseForm):
    """Base form of every Flask-Admin view (CSRF comes from CSRFProtect)."""

    class Meta(KontaktMeta):
        pass
