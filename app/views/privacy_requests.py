"""A person's rights over their data (F4), on the contact screens, for administrators:
/admin/contact/<id>/privacy/ (what is held, readable), …/privacy/export (the same as
JSON), …/privacy/archive (POST: a background job builds a ZIP of the JSON with the
files themselves, downloaded from the job's page) and …/privacy/erase (asked to
confirm, then erased). Another tenant's contact is
not found (404); a member who is not an administrator is refused (403)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from app import jobs
from app.extensions import db
from app.models import Contact, User
from app.models.job import Job
from app.services import history_text, privacy_requests
from app.services.activities import activities
from app.services.activities.mail import MAIL_STATUS_LABELS
from app.services.contacts import photos
from app.services.errors import ServiceError
from app.services.terms import lazy_term
from app.services.work import cases
from app.transactions import commit_or_refuse
from app.views.admin_compat import ModelViewMixin
from app.views.fields import FIELD_LABELS
from app.views.profile import profile_url
from app.views.screens import flash_refusal
from app.views.work_fields import per_request

CONFIRM_FIELD = "confirm"
ARCHIVE_FORMAT = "zip"  # what the archive form posts (``format``): the one it offers

# Keys of the export document that no screen's labels name.
DOCUMENT_LABELS = {
    "has_photo": FIELD_LABELS["photo"], "given": FIELD_LABELS["consent"],
    "channel": _l("Channel"), "date": _l("Date"), "role": _l("Role"), "filename": _l("File"),
    "size": _l("Size"), "content_type": FIELD_LABELS["kind"], "on": _l("Record type"),
    "mail_status": _l("Status"), "created_at": FIELD_LABELS["created_at"],
    "id": _l("Record"), "updated_at": _l("Changed"), "source": _l("Source"),
    "email_access_restricted": _l("E-mail access"),
}
ROLES = {"primary": lazy_term("primary"), "secondary": lazy_term("others")}
CHANNELS = {"phone": _l("Phone"), "email": _l("E-mail"), "letter": _l("Letter")}


def document_label(entity: str, name: str) -> str:
    """A key of the export document as a reader knows it, in the current language."""
    if name in DOCUMENT_LABELS:
        return str(DOCUMENT_LABELS[name])
    return history_text.field_label(entity, name)


def _kind_labels() -> dict[str, str]:
    return activities.kind_labels()


def document_value(entity: str, name: str, value: Any) -> Any:
    """A coded value of the export document (a kind, a status …) in words."""
    words = {("activity", "kind"): lambda: per_request(_kind_labels),
             ("crm_case", "status"): lambda: {value: cases.status_label(value)},
             ("crm_case", "role"): lambda: ROLES,
             ("activity", "mail_status"): lambda: MAIL_STATUS_LABELS,
             ("contact", "channel"): lambda: CHANNELS}.get((entity, name))
    if words is None or not isinstance(value, str):
        return value
    return str(words().get(value, value))


@jobs.kind("privacy_export", label=_l("Personal data with files (GDPR)"), again=True)
def privacy_export_job(job: Job, progress: jobs.Progress, contact_id: int) -> dict:
    """The contact's data and files as a ZIP (services.privacy_requests), for an
    administrator: checked again when the job runs."""
    if job.user is None or not job.user.is_admin:
        raise ServiceError(_l("Only administrators can export a person's data."))
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        raise ServiceError(_l("The person is no longer there."))
    progress.total(privacy_requests.archive_entries(contact))
    archive = privacy_requests.export_archive(contact, progress.advance)
    progress.attach(privacy_requests.archive_name(contact), archive)
    return {"files": progress.done - 1}


class PrivacyRequestsMixin(ModelViewMixin):
    """Routes of the privacy requests; put before the ModelView base of ContactView."""

    privacy_template = "kontakt/privacy/report.html"
    erase_template = "kontakt/privacy/erase.html"

    @expose("/<contact_id>/privacy/")
    def privacy_view(self, contact_id: str) -> str:
        contact = self._privacy_contact(contact_id)
        document = privacy_requests.export(contact)
        return self.render(self.privacy_template, contact=contact, document=document,
                           history_texts=history_text.describe_rows(document["history"]),
                           label_of=document_label, value_of=document_value,
                           profile_url=profile_url(contact))

    @expose("/<contact_id>/privacy/export")
    def privacy_export_view(self, contact_id: str) -> Response:
        contact = self._privacy_contact(contact_id)
        response = jsonify(privacy_requests.export(contact))
        response.headers["Content-Disposition"] = (
            f'attachment; filename="contact-{contact.id}-personal-data.json"')
        response.cache_control.no_store = True
        return response

    @expose("/<contact_id>/privacy/archive", methods=("POST",))
    def privacy_archive_view(self, contact_id: str) -> Response:
        """Start the job building the ZIP; its page shows how far it is."""
        contact = self._privacy_contact(contact_id)
        if request.form.get("format") != ARCHIVE_FORMAT:
            abort(400)
        user = current_user._get_current_object()
        job = commit_or_refuse(lambda: jobs.submit("privacy_export", user=user,
                                                   contact_id=contact.id)).value
        return redirect(url_for("jobs.job_view", job_id=job.id))

    @expose("/<contact_id>/privacy/erase", methods=("GET", "POST"))
    def privacy_erase_view(self, contact_id: str):
        """GET asks to confirm and changes nothing; POST with the confirmation erases."""
        contact = self._privacy_contact(contact_id)
        if request.method == "POST":
            if request.form.get(CONFIRM_FIELD) == "1":
                return self._erase(contact)
            return self._confirmation(contact, not_confirmed=True), 422
        return self._confirmation(contact, not_confirmed=False)

    def _confirmation(self, contact: Contact, not_confirmed: bool) -> str:
        return self.render(self.erase_template, contact=contact, not_confirmed=not_confirmed,
                           deleted_name=privacy_requests.deleted_name(),
                           profile_url=profile_url(contact))

    def _erase(self, contact: Contact) -> Response:
        erased = commit_or_refuse(
            lambda: privacy_requests.erase(contact, db.session.get(User, current_user.id)),
            flash_refusal)
        if erased:
            photos.remove(erased.value.photo)  # the attachments' files went with the commit
            flash(_("The personal data were erased."), "success")  # the name is gone too
        return redirect(profile_url(contact))

    def _privacy_contact(self, contact_id: str) -> Contact:
        """Administrators only (403 before anything is looked up); 404 for a malformed
        id, a missing contact or another tenant's."""
        if not current_user.is_admin:
            abort(403)
        return self.get_one(contact_id) or abort(404)
