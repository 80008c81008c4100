"""The tenant's settings page (administrators only)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField

from app.extensions import db
from app.forms import TranslatedFlaskForm
from app.i18n import LANGUAGE_NAMES
from app.models.tenant import TERM_CONTACT, TERM_CUSTOMER
from app.services import settings as tenant_settings
from app.services.errors import ServiceError
from app.views.base import ADMIN, SecureBaseView

SETTING_FIELDS = ("contact_term", "users_edit_contacts", "users_edit_organisations",
                  "unique_contact_id", "email_required")


class SettingsForm(TranslatedFlaskForm):
    contact_term = SelectField(
        _l("Persons are called"),
        choices=[(TERM_CONTACT, _l("Contacts")), (TERM_CUSTOMER, _l("Customers"))],
    )
    default_language = SelectField(_l("Default language"), choices=list(LANGUAGE_NAMES.items()))
    users_edit_contacts = BooleanField(_l("Users may create, edit and delete persons"))
    users_edit_organisations = BooleanField(
        _l("Users may create, edit and delete organisations"))
    unique_contact_id = BooleanField(_l("Give each person a unique customer number"))
    email_required = BooleanField(_l("A person must have an e-mail address"))


class SettingsView(SecureBaseView):
    access = ADMIN

    @expose("/", methods=["GET", "POST"])
    def index(self):
        tenant = tenant_settings.current_tenant()
        form = SettingsForm(data={
            "default_language": tenant.default_language,
            **{key: tenant.setting(key) for key in SETTING_FIELDS},
        })
        if form.validate_on_submit():
            values = {key: getattr(form, key).data for key in SETTING_FIELDS}
            values["default_language"] = form.default_language.data
            try:
                tenant_settings.update_settings(tenant, values)
            except ServiceError as exc:
                flash(str(exc), "error")
            else:
                db.session.commit()
                flash(_("The settings were saved."), "success")
                return redirect(url_for(".index"))
        return self.render("kontakt/settings.html", form=form)
