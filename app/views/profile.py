"""The contact profile (D1–D3): /admin/contact/<id>/profile — the contact's master data
in panels on the left, each edited in place, the tabs of services.profile.tabs on the
right, and an action bar for notes, meetings, e-mails, calls, letters, cases and tasks.

ProfileMixin goes on ContactView, so a panel is edited with that view's own edit form
(only the panel's fields kept) and saved with the same rules as the full form. What
does not depend on the entity is RecordProfile's, which the organisation profile
(views.organisation_profile) shares: panels edited in place, tabs, action bar."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.wrappers import Response
from wtforms import Form

from app import fragments
from app.models import Contact
from app.models.activity import CALL, EMAIL, LETTER, MEETING, NOTE
from app.services.activities import activities, letters
from app.services.contacts import contacts
from app.services.errors import FieldErrors, ServiceError
from app.services.profile import panels as profile
from app.services.profile import tabs as profile_tabs
from app.services.settings import setting, user_may_edit
from app.services.terms import term
from app.transactions import commit_or_refuse
from app.views.admin_compat import ModelViewMixin
from app.views.base import show_refusal
from app.views.fields import FIELD_LABELS
from app.views.formatters import record_url
from app.views.screens import flash_refusal

KIND_ICONS = {NOTE: "fa-sticky-note-o", MEETING: "fa-users", EMAIL: "fa-envelope-o",
              CALL: "fa-phone", LETTER: "fa-file-text-o"}


class FormRefused(ServiceError):
    """The form itself refused values: its messages are already beside the inputs."""


def show_rule_refusal(form: Form, exc: ServiceError) -> None:
    """The rules' refusals beside the inputs the form itself has not refused."""
    if isinstance(exc, FormRefused):
        return
    errors = exc.errors if isinstance(exc, FieldErrors) else {exc.field or "": exc.message}
    fresh = {name: message for name, message in errors.items()
             if not (name and name in form and form[name].errors)}
    if fresh:
        show_refusal(form, FieldErrors(fresh), form.panel_errors.append)


class RecordProfile(ModelViewMixin):
    """A record's profile page, whatever the entity: master-data panels on the left,
    each edited in place with the view's own edit form, tabs on the right, an action
    bar. Each view says what differs (the methods that raise NotImplementedError) and
    exposes the routes with its own URL parameter name."""

    profile_template = "kontakt/profile/page.html"
    edit_right: str  # A3: "contacts" or "organisations" (EditRightsMixin's)

    def profile_panels(self, record) -> list[profile.Panel]:
        raise NotImplementedError

    def save_profile_panel(self, record, panel: profile.Panel, values: dict[str, Any]) -> None:
        raise NotImplementedError

    def right_column(self, record) -> dict[str, Any] | None:
        raise NotImplementedError

    def profile_actions(self, record) -> list[tuple[str, str, str, bool]]:
        raise NotImplementedError

    def saved_message(self, record) -> str:
        """What a panel saved without script says (the page it returns to shows it)."""
        raise NotImplementedError

    def profile_url_of(self, record, anchor: str | None = None) -> str:
        url = self.get_url(".profile_view", **self.profile_args(record))
        return f"{url}#panel-{anchor}" if anchor else url

    def profile_args(self, record) -> dict[str, int]:
        """The URL parameter naming the record ({"contact_id": 7})."""
        raise NotImplementedError

    def profile_context(self, record) -> dict[str, Any]:
        """What the entity's own templates need besides the shared context."""
        return {}

    def show_profile(self, record) -> str:
        return self.render(self.profile_template, tabs=self.right_column(record),
                           actions=self.profile_actions(record),
                           **self._profile_context(record))

    def edit_panel(self, record, key: str) -> Response:
        """A panel's form: a fragment for profile.js, else a page of its own; saved, the
        panel's read-only fragment (or, without script, back to the profile)."""
        panel = profile.editable_among(self.profile_panels(record), key) or abort(404)
        if not user_may_edit(self.edit_right, current_user):
            abort(403)
        form = self.panel_form(record, panel)
        if request.method == "POST" and self._save_panel(form, record, panel):
            if fragments.from_script():
                return self._panel_response(record, panel, saved=True)
            flash(self.saved_message(record), "success")
            return redirect(self.profile_url_of(record, panel.key))
        return self._panel_response(record, panel, form=form,
                                    status=422 if request.method == "POST" else 200)

    def _profile_record(self, record_id: str):
        """The record with what the left column shows loaded at once
        (details_load_options); 404 for a malformed id, a missing one or another
        tenant's."""
        return self.get_one(record_id) or abort(404)

    # --- panels ------------------------------------------------------------------------

    def panel_form(self, record, panel: profile.Panel) -> Form:
        """The view's own edit form (validators, choices, configurable fields) with only
        the panel's fields, so a panel is checked exactly like the full form."""
        form = self.edit_form(record)
        for name in [field.name for field in form if field.name not in panel.fields]:
            del form[name]
        form.custom_sections = ()  # the panel template lists its fields itself
        form.panel_errors = []  # refusals that name no field of the panel
        return form

    def _save_panel(self, form: Form, record, panel: profile.Panel) -> bool:
        """Saved when the form and the rules accept it. The rules also check the values
        the form did accept when it refused others, so every error shows in one round;
        refused, nothing of the change is kept (rolled back whole)."""
        form_accepted = form.validate()
        accepted = [field for field in form if not field.errors]
        for field in accepted:
            field.populate_obj(record, field.name)

        def save() -> None:
            self.save_profile_panel(record, panel, {field.name: field.data for field in accepted})
            if not form_accepted:
                raise FormRefused(None)  # never shown: the form shows its own messages

        return bool(commit_or_refuse(save, lambda exc: show_rule_refusal(form, exc)))

    def _panel_response(self, record, panel: profile.Panel, form: Form | None = None,
                        saved: bool = False, status: int = 200) -> Response:
        """The panel alone for profile.js, else a page with the panel."""
        template = ("kontakt/profile/_master_panel.html" if fragments.from_script()
                    else "kontakt/profile/panel_edit.html")
        html = self.render(template, panel=panel, form=form, saved=saved,
                           **self._profile_context(record))
        response = Response(html, status=status, mimetype="text/html")
        response.vary.add(fragments.SCRIPT_HEADER[0])
        return response

    def _profile_context(self, record) -> dict[str, Any]:
        args = self.profile_args(record)
        return {
            "record": record,
            "record_args": args,
            "panels": self.profile_panels(record),
            "panel_edit_url": lambda key: self.get_url(".panel_edit_view", key=key, **args),
            "may_edit": user_may_edit(self.edit_right, current_user),
            "labels": FIELD_LABELS,
            "get_value": self.get_detail_value,
            "postal_lines": letters.postal_lines,
            "section_values": profile.section_values,
            "profile_url": self.profile_url_of(record),
            **self.profile_context(record),
        }


class ProfileMixin(RecordProfile):
    """Routes of the contact profile; put before the ModelView base of ContactView."""

    @expose("/<contact_id>/profile")
    def profile_view(self, contact_id: str) -> str:
        return self.show_profile(self._profile_record(contact_id))

    @expose("/<contact_id>/profile/panel/<key>/edit", methods=("GET", "POST"))
    def panel_edit_view(self, contact_id: str, key: str) -> Response:
        return self.edit_panel(self._profile_record(contact_id), key)

    @expose("/<contact_id>/profile/email-access", methods=("POST",))
    def email_access_view(self, contact_id: str) -> Response:
        """F1: an administrator restricts the contact's e-mails to administrators, or
        gives everyone access again."""
        contact = self._profile_record(contact_id)
        if not current_user.is_admin:
            abort(403)
        restricted = request.form.get("restricted") == "1"
        if not commit_or_refuse(lambda: profile.restrict_email_access(contact, restricted),
                                flash_refusal):
            return redirect(profile_url(contact, "email-access"))
        flash(_("Only administrators can now read the e-mails of %(name)s.",
                name=contact.full_name) if restricted
              else _("Every user can now read the e-mails of %(name)s.", name=contact.full_name),
              "success")
        return redirect(profile_url(contact, "email-access"))

    def profile_panels(self, record: Contact) -> list[profile.Panel]:
        return profile.panels(record)

    def save_profile_panel(self, record: Contact, panel: profile.Panel,
                           values: dict[str, Any]) -> None:
        profile.save_panel(record, panel, values)

    def right_column(self, record: Contact) -> dict[str, Any] | None:
        """What the tabs show (the other half of the page, services.profile.tabs)."""
        return profile_tabs.build(record, request.args, current_user._get_current_object())

    def profile_actions(self, record: Contact) -> list[tuple[str, str, str, bool]]:
        return action_links(record)

    def saved_message(self, record: Contact) -> str:
        return term("created", name=record.full_name)

    def profile_args(self, record: Contact) -> dict[str, int]:
        return {"contact_id": record.id}

    def profile_context(self, record: Contact) -> dict[str, Any]:
        return {
            "contact": record,
            "profile_kind": term("singular"),
            "list_title": term("plural"),
            "profile_header": "kontakt/profile/_master_header.html",
            "extra_panels": ("kontakt/profile/_master_photo.html",
                             "kontakt/profile/_master_organisations.html",
                             "kontakt/profile/_master_email_access.html"),
            "may_edit_organisations": user_may_edit("organisations", current_user),
            "customer_numbers": setting("unique_contact_id"),
            "address_holder": contacts.address_holder,
            "consent_rows": profile.consent_rows,
        }


def profile_url(contact: Contact, anchor: str | None = None) -> str:
    url = url_for("contact.profile_view", contact_id=contact.id)
    return f"{url}#panel-{anchor}" if anchor else url


def profile_link(view, context, model: Contact, name: str) -> Markup:
    """A list column (last or first name) linking to the contact's profile."""
    # an f-string of escaped parts: Markup.format's formatter machinery was a twentieth
    # of a list page's time (two links a row)
    url = record_url(f"{view.endpoint}.profile_view", "contact_id", model.id)
    return Markup(f'<a href="{escape(url)}">{escape(getattr(model, name) or "")}</a>')


def action_links(contact: Contact) -> list[tuple[str, str, str, bool]]:
    """(label, URL, icon, in page) of the action bar (D3). Each form opens pre-filled
    for the contact (its organisation from the primary employment) and returns to the
    profile once saved. Activities of every kind open inside the profile when scripts
    run (``in page``), else on their own page; cases and tasks on their own page."""
    back = profile_url(contact)
    kinds = activities.kind_labels()

    def activity(kind: str) -> str:
        return url_for("activity.create_view", contact_id=contact.id, kind=kind, url=back)

    return [
        (kinds[NOTE], activity(NOTE), KIND_ICONS[NOTE], True),
        (kinds[MEETING], activity(MEETING), KIND_ICONS[MEETING], True),
        (kinds[EMAIL], url_for("mail.compose", contact_id=contact.id, next=back),
         KIND_ICONS[EMAIL], True),
        (kinds[CALL], activity(CALL), KIND_ICONS[CALL], True),
        (kinds[LETTER], url_for("letter.create", contact_id=contact.id, next=back),
         KIND_ICONS[LETTER], True),
        # the tenant's own kinds (E8), each with its behaviour's icon, in the activity form
        *((label, activity(key), KIND_ICONS[behaviour], True)
          for key, label, behaviour in activities.own_kinds()),
        (_("New case"), url_for("case.create_view", contact_id=contact.id, url=back),
         "fa-briefcase", False),
        (_("New task"), url_for("task.create_view", contact_id=contact.id, url=back),
         "fa-check-square-o", False),
    ]
