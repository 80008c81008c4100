"""Form base classes whose validation messages follow the user's language."""

from __future__ import annotations

from flask_admin.form import BaseForm
from flask_wtf import FlaskForm

from app.i18n import form_translations


class TranslatedFlaskForm(FlaskForm):
    class Meta:
        def get_translations(self, form):  # noqa: ARG002 - WTForms' signature
            return form_translations


class TranslatedAdminForm(BaseForm):
    """Base form of every Flask-Admin view (CSRF comes from CSRFProtect)."""

    class Meta:
        def get_translations(self, form):  # noqa: ARG002
            return form_translations
