"""Upload, download and deletion of attached files (D6). The files are listed, with an
upload form, on the details pages of contacts, organisations, cases and activities
(kontakt/_attachments.html, through the template global ``attachment_panel``)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import FileStorage
from werkzeug.http import dump_options_header
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from app.auth.safe_urls import safe_redirect_target
from app.forms import TranslatedFlaskForm
from app.models import Attachment
from app.services import privacy
from app.services.activities import attachments
from app.transactions import commit_or_refuse
from app.views.base import SecureBaseView, record_id
from app.views.screens import flash_refusal, get_or_404


def details_url(kind: str, owner_id: int) -> str:
    """The owner's details page (the dashboard, should its screen be missing)."""
    try:
        return url_for(f"{kind}.details_view", id=owner_id)
    except BuildError:
        return url_for("admin.index")


def back_url(kind: str, owner_id: int) -> str:
    """Back to the page the form was on (a path on this site only), else the owner's."""
    return safe_redirect_target(request.form.get("next"), default=details_url(kind, owner_id))


def content_disposition(filename: str) -> str:
    """"attachment" with the name; a non-ASCII name as RFC 5987's filename* and a
    readable ASCII stand-in for clients that know only filename."""
    fallback = attachments.ascii_filename(filename)
    if fallback == filename:
        return dump_options_header("attachment", {"filename": filename})
    return dump_options_header("attachment", {
        "filename": fallback, "filename*": "UTF-8''" + quote(filename, safe="!#$&+-.^_`|~")})


def file_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{format_decimal(size / 1024, '#,##0')} kB"
    return f"{format_decimal(size / 1024 / 1024, '#,##0.#')} MB"


def attachment_max_megabytes() -> str:
    return format_decimal(current_app.config["ATTACHMENT_MAX_BYTES"] / 1024 / 1024, "#,##0.#")


@dataclass
class AttachmentPanel:
    """What the details page's file section shows."""

    kind: str
    owner_id: int
    files: list[Attachment]

    @property
    def upload_url(self) -> str:
        return url_for("attachments.upload", kind=self.kind, owner_id=self.owner_id)

    @staticmethod
    def may_delete(attachment: Attachment) -> bool:
        return attachments.may_delete(attachment, current_user)


def attachment_panel(model, files: list[Attachment] | None = None) -> AttachmentPanel | None:
    """The file section of a details page; None for records that have no files.
    ``files``: the files to show when the page has chosen them (the profile's tab)."""
    kind = attachments.kind_of(model)
    if kind is None or model.id is None:
        return None
    if files is None:
        files = privacy.readable_files(attachments.files_of(**{f"{kind}_id": model.id}),
                                       current_user)
    return AttachmentPanel(kind, model.id, files)


class AttachmentsView(SecureBaseView):
    """No page of its own: reached from the details pages."""

    def is_visible(self) -> bool:
        return False

    def create_blueprint(self, admin):
        blueprint = super().create_blueprint(admin)
        blueprint.add_app_template_global(attachment_panel, "attachment_panel")
        blueprint.add_app_template_global(file_size, "file_size")
        blueprint.add_app_template_global(attachment_max_megabytes, "attachment_max_megabytes")
        return blueprint

    @expose("/")
    def index(self) -> Response:
        abort(404)  # Flask-Admin needs a default page; files are listed with their owner

    @expose("/<kind>/<owner_id>/upload/", methods=["POST"])
    def upload(self, kind: str, owner_id: str) -> Response:
        number = record_id(owner_id)
        if number is None:
            abort(404)
        owner = attachments.owner_of(kind, number) or abort(404)
        uploads: list[FileStorage | None] = [*request.files.getlist("file")] or [None]

        def attach() -> None:
            self._check_form()
            for upload in uploads:
                attachments.add(owner, upload, current_user._get_current_object())

        if commit_or_refuse(attach, flash_refusal):
            flash(ngettext("%(num)d file was attached.", "%(num)d files were attached.",
                           len(uploads)), "success")
        return redirect(back_url(kind, number))

    @expose("/<attachment_id>/download/")
    def download(self, attachment_id: str) -> Response:
        attachment = get_or_404(Attachment, attachment_id)
        if not privacy.may_read_file(attachment, current_user):
            abort(404)  # F1/F2: a file of an e-mail or note the user may not read
        try:
            stream = attachments.open_file(attachment)
        except FileNotFoundError:
            abort(404)
        response = send_file(stream, mimetype=attachment.content_type, as_attachment=True,
                             download_name=attachment.filename, max_age=0)
        response.headers["Content-Disposition"] = content_disposition(attachment.filename)
        response.headers["X-Content-Type-Options"] = "nosniff"
        # should a browser show it anyway, an uploaded page runs no script as this site
        response.headers["Content-Security-Policy"] = "sandbox"
        response.cache_control.private = True
        return response

    @expose("/<attachment_id>/delete/", methods=["POST"])
    def delete_view(self, attachment_id: str) -> Response:
        attachment = get_or_404(Attachment, attachment_id)
        self._check_form()
        if not attachments.may_delete(attachment, current_user):
            abort(403)
        back = back_url(*attachments.owner_key(attachment))
        name = attachment.filename
        if commit_or_refuse(lambda: attachments.delete(attachment), flash_refusal):
            flash(_("%(name)s was deleted.", name=name), "success")
        return redirect(back)

    @staticmethod
    def _check_form() -> None:
        """The CSRF token (CSRFProtect checks it too, except in tests)."""
        if not TranslatedFlaskForm().validate_on_submit():
            abort(400)
