"""The tenant's settings page (administrators only)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField

from app.forms import TranslatedFlaskForm
from app.i18n import LANGUAGE_NAMES
from app.models import Tenant
from app.models.tenant import TERM_CONTACT, TERM_CUSTOMER
from app.services import settings as tenant_settings
from app.services.contacts import contacts
from app.services.work import leads
from app.transactions import commit_or_refuse
from app.views.base import ADMIN, SecureBaseView
from app.views.screens import flash_refusal

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
        tenant = tenant_settings.tenant_at_work()
        form = SettingsForm(data={
            "default_language": tenant.default_language,
            **{key: tenant.setting(key) for key in SETTING_FIELDS},
        })
        if form.validate_on_submit():
            values = {key: getattr(form, key).data for key in SETTING_FIELDS}
            values["default_language"] = form.default_language.data
            if commit_or_refuse(lambda: save_settings(tenant, values), flash_refusal):
                flash(_("The settings were saved."), "success")
                return redirect(url_for(".index"))
        return self.render("kontakt/settings.html", form=form, intake_url=intake_url(tenant),
                           intake_form=TranslatedFlaskForm())

    @expose("/intake/<any(regenerate, close):action>/", methods=["POST"])
    def intake(self, action: str):
        """A new secret intake URL (the old one stops working), or none: intake closed."""
        if not TranslatedFlaskForm().validate_on_submit():
            abort(400)
        tenant = tenant_settings.tenant_at_work()
        change: Callable[[Tenant], object]
        if action == "regenerate":
            change = leads.regenerate_intake_token
            message = _("A new intake address was made. The previous one no longer works.")
        else:
            change = leads.close_intake
            message = _("Lead intake was turned off.")
        if commit_or_refuse(lambda: change(tenant), flash_refusal):
            flash(message, "success")
        return redirect(url_for(".index"))


def save_settings(tenant, values: dict) -> None:
    """The settings, and the customer numbers they ask for, in one change."""
    tenant_settings.update_settings(tenant, values)
    if tenant.setting("unique_contact_id"):
        contacts.number_unnumbered_contacts()


def intake_url(tenant) -> str | None:
    """The full address websites post leads to, or None while intake is off."""
    if not tenant.intake_token:
        return None
    return url_for("intake.receive_lead", slug=tenant.slug, token=tenant.intake_token,
                   _external=True)
