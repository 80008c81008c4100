"""The organisation profile (B13): /admin/organisation/<id>/profile — the contact
profile's mechanism (views.profile.RecordProfile) given an organisation: its master
data in panels edited in place with OrganisationView's own form, the tabs of
services.profile.organisation (employees, timeline of the organisation and its people,
cases, tasks, notes, e-mail, meetings, files, related, change history) and an action
bar whose activities open with the organisation chosen and persons limited to its
current employees (seed 003)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, Optional

from app.extensions import db
from app.forms import TranslatedFlaskForm
from app.models import Contact, Employment, Organisation
from app.models.activity import CALL, EMAIL, LETTER, MEETING, NOTE
from app.services.activities import activities
from app.services.contacts import employments
from app.services.errors import ServiceError
from app.services.profile import organisation as organisation_profile
from app.services.profile.panels import Panel
from app.services.settings import user_may_edit
from app.services.text import record_id
from app.transactions import commit_or_refuse
from app.views.date_fields import LocaleDateField
from app.views.profile import RecordProfile
from app.views.sales import organisation_related_sections


class AddEmployeeForm(TranslatedFlaskForm):
    contact_id = IntegerField(validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=150)])
    start_date = LocaleDateField(_l("Start date"), validators=[Optional()])


class EndEmploymentForm(TranslatedFlaskForm):
    end_date = LocaleDateField(_l("End date"), validators=[InputRequired()])


ACTIVITY_ICONS = {NOTE: "fa-sticky-note-o", MEETING: "fa-users", CALL: "fa-phone",
                  EMAIL: "fa-envelope-o", LETTER: "fa-file-text-o"}


class OrganisationProfileMixin(RecordProfile):
    """Routes of the organisation profile; put before the ModelView base of
    OrganisationView."""

    @expose("/<organisation_id>/profile")
    def profile_view(self, organisation_id: str) -> str:
        return self.show_profile(self._profile_record(organisation_id))

    @expose("/<organisation_id>/profile/panel/<key>/edit", methods=("GET", "POST"))
    def panel_edit_view(self, organisation_id: str, key: str) -> Response:
        return self.edit_panel(self._profile_record(organisation_id), key)

    @expose("/<organisation_id>/profile/employees/add", methods=("POST",))
    def add_employee_view(self, organisation_id: str) -> Response:
        """Take a person on (title, start date); the employments are the contact's, so
        the contacts' edit right (A3) applies."""
        organisation = self._employment_change(organisation_id)
        form = AddEmployeeForm()
        if not _valid(form):
            return redirect(self._employees_url(organisation))
        contact = db.session.get(Contact, record_id(form.contact_id.data) or 0)
        added = commit_or_refuse(lambda: employments.add_employee(
            organisation, contact, title=form.title.data, start_date=form.start_date.data),
            _refused(contact))
        if added:
            flash(_("%(name)s now works at %(organisation)s.",
                    name=added.value.contact.full_name, organisation=organisation.name),
                  "success")
        return redirect(self._employees_url(organisation))

    @expose("/<organisation_id>/profile/employees/<employment_id>/end", methods=("POST",))
    def end_employment_view(self, organisation_id: str, employment_id: str) -> Response:
        organisation = self._employment_change(organisation_id)
        employment = db.session.get(Employment, record_id(employment_id) or 0)
        if employment is None or employment.organisation_id != organisation.id:
            abort(404)
        form = EndEmploymentForm()
        if _valid(form) and commit_or_refuse(
                lambda: employments.end_employment(employment, form.end_date.data),
                _refused(employment.contact)):
            flash(_("The employment of %(name)s was ended.", name=employment.contact.full_name),
                  "success")
        return redirect(self._employees_url(organisation))

    def _employment_change(self, organisation_id: str) -> Organisation:
        organisation = self._profile_record(organisation_id)
        if not user_may_edit("contacts", current_user):
            abort(403)
        return organisation

    def _employees_url(self, organisation: Organisation) -> str:
        return self.get_url(".profile_view", organisation_id=organisation.id,
                            tab="employees") + "#contact-tabs"

    # --- what RecordProfile asks ----------------------------------------------------

    def profile_panels(self, record: Organisation) -> list[Panel]:
        return organisation_profile.panels(record)

    def save_profile_panel(self, record: Organisation, panel: Panel,
                           values: dict[str, Any]) -> None:
        organisation_profile.save_panel(record, panel, values)

    def right_column(self, record: Organisation) -> dict[str, Any]:
        return organisation_profile.build(record, request.args,
                                          current_user._get_current_object())

    def profile_actions(self, record: Organisation) -> list[tuple[str, str, str, bool]]:
        return organisation_actions(record, self.profile_url_of(record))

    def saved_message(self, record: Organisation) -> str:
        return _("Organisation %(name)s was saved.", name=record.name)

    def profile_args(self, record: Organisation) -> dict[str, int]:
        return {"organisation_id": record.id}

    def profile_context(self, record: Organisation) -> dict[str, Any]:
        return {
            "organisation": record,
            "profile_kind": _("Organisation"),
            "list_title": _("Organisations"),
            "profile_header": "kontakt/profile/_organisation_header.html",
            "extra_panels": (),
            "related_sales": organisation_related_sections,
            "may_edit_contacts": user_may_edit("contacts", current_user),
            "today": date.today(),
        }


def _refused(contact: Contact | None):
    """Show a refusal naming the person it is about (the contact rules' messages,
    e.g. a required field, do not say whose)."""
    def show(exc: ServiceError) -> None:
        flash(f"{contact.full_name}: {exc}" if contact is not None else str(exc), "error")
    return show


def _valid(form: TranslatedFlaskForm) -> bool:
    """Whether the posted form is sound; if not, its errors are flashed by field."""
    if form.validate_on_submit():
        return True
    for field in form:
        for message in field.errors:
            flash(f"{field.label.text}: {message}" if field.label.text else message, "error")
    return False


def organisation_actions(organisation: Organisation,
                         back: str) -> list[tuple[str, str, str, bool]]:
    """(label, URL, icon, in page) of the organisation's action bar: each activity kind
    opens the activity form with the organisation chosen, whose persons control offers
    only its current employees (seed 003); a new case with the organisation."""
    kinds = activities.kind_labels()
    links = [(kinds[kind], url_for("activity.create_view", organisation_id=organisation.id,
                                   kind=kind, url=back), icon, True)
             for kind, icon in ACTIVITY_ICONS.items()]
    links.append((_("New case"), url_for("case.create_view", organisation_id=organisation.id,
                                         url=back), "fa-briefcase", False))
    return links


def organisation_profile_link(view, context, model: Organisation, name: str) -> Markup:
    """The organisation list's name column, linking to the profile (as the contact
    list's names do)."""
    return Markup('<a href="{}">{}</a>').format(
        view.get_url(".profile_view", organisation_id=model.id), model.name)
