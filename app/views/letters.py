"""Letters (E9): the administrators' letterhead page, and writing a letter to a
contact and downloading it as PDF. The rules live in services.letters."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from app import fragments
from app.auth.safe_urls import safe_redirect_target
from app.models import Activity, Contact
from app.services.activities import letters
from app.services.contacts import photos
from app.services.settings import tenant_at_work
from app.views import follow_up
from app.views.base import ADMIN, record_id
from app.views.follow_up import FollowUpFields
from app.views.screens import GroupedErrorsForm, ServiceScreenView, get_or_404


class LetterheadForm(GroupedErrorsForm):
    sender_name = StringField(_l("Sender"), validators=[Length(max=200)],
                              description=_l("Empty: the name of your organisation."))
    sender_address = TextAreaField(_l("Sender's address and contact details"),
                                   validators=[Length(max=500)], render_kw={"rows": 4},
                                   description=_l("One item per line."))
    footer = TextAreaField(_l("Footer"), validators=[Length(max=500)], render_kw={"rows": 2},
                           description=_l("Printed at the bottom of every page, e.g. "
                                          "registration number and bank account."))
    logo_upload = FileField(_l("Logo"), render_kw={"accept": photos.ACCEPTED_EXTENSIONS})
    remove_logo = BooleanField(_l("Remove the logo"))


class LetterForm(GroupedErrorsForm, FollowUpFields):
    subject = StringField(_l("Subject"), validators=[InputRequired(), Length(max=300)])
    body = TextAreaField(_l("Text"), validators=[InputRequired(), Length(max=20000)],
                         render_kw={"rows": 14})


def pdf_response(data: bytes, filename: str) -> Response:
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=filename, max_age=0)


class LetterheadView(ServiceScreenView):
    """Administration → Letterhead: what every letter of the tenant is printed with."""

    access = ADMIN

    @expose("/", methods=["GET", "POST"])
    def index(self) -> Response | str:
        head = letters.letterhead()
        form = LetterheadForm(data={"sender_name": head.sender_name, "footer": head.footer,
                                    "sender_address": head.sender_address})
        if form.validate_on_submit() and self._save(form):
            flash(_("The letterhead was saved."), "success")
            return redirect(url_for(".index"))
        return self.render("kontakt/letterhead.html", form=form, logo=head.logo)

    def _save(self, form: LetterheadForm) -> bool:
        replaced: list[str | None] = []

        def change() -> None:
            upload = form.logo_upload.data
            image = photos.read_upload(upload.stream, field="logo_upload") if upload else None
            replaced.append(letters.update_letterhead(
                tenant_at_work(), sender_name=form.sender_name.data or "",
                sender_address=form.sender_address.data or "", footer=form.footer.data or "",
                logo=image, remove_logo=form.remove_logo.data))

        if not self._attempt(form, change):
            return False
        letters.remove_logo(replaced[0])  # only once the new letterhead is committed
        return True

    @expose("/logo")
    def logo(self) -> Response | str:
        name = letters.letterhead().logo
        try:
            stream = letters.open_logo(name)
        except FileNotFoundError:
            abort(404)
        return send_file(stream, mimetype="image/png", max_age=0, etag=name or False)

    @expose("/sample.pdf")
    def sample(self) -> Response | str:
        return pdf_response(letters.sample_pdf(), _("sample-letter.pdf"))


class LetterView(ServiceScreenView):
    """Reached from a contact, not from the menu: /admin/letter/new/?contact_id=N."""

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self) -> Response | str:
        return redirect(url_for("contact.index_view"))

    @expose("/new/", methods=["GET", "POST"])
    def create(self) -> Response | str:
        """Saved, the letter's page with its PDF; or, asked with ``next`` (the profile),
        back there with a link to the PDF."""
        contact = get_or_404(Contact, request.args.get("contact_id"))
        back = safe_redirect_target(request.args.get("next"), default="")
        form = LetterForm()
        written = []

        def write() -> None:
            written.append(letters.write_letter(contact, form.subject.data, form.body.data,
                                                current_user._get_current_object(),
                                                follow_up.requested(form)))

        if form.validate_on_submit() and self._attempt(form, write):
            return self._saved(written[0], back)
        return self.render("kontakt/letter_form.html", form=form, contact=contact,
                           recipient=letters.address_block(contact), fragment=fragments.requested(),
                           signature_note=letters.signature_note(current_user),
                           back=back or url_for("contact.details_view", id=contact.id))

    def _saved(self, letter: Activity, back: str) -> Response:
        follow_up.announce(letter.follow_up)
        if not back:
            flash(_("The letter was saved."), "success")
            return redirect(url_for(".details", activity_id=letter.id))
        flash(Markup('{} <a href="{}">{}</a>').format(
            _("The letter was saved."), url_for(".pdf", activity_id=letter.id),
            _("Download PDF")), "success")
        return redirect(back)

    @expose("/<int:activity_id>/")
    def details(self, activity_id: int) -> Response | str:
        letter = self._letter(activity_id)
        return self.render("kontakt/letter.html", letter=letter,
                           recipient=letters.recipient_lines(letter))

    @expose("/<int:activity_id>/pdf")
    def pdf(self, activity_id: int) -> Response | str:
        letter = self._letter(activity_id)
        return pdf_response(letters.letter_pdf(letter),
                            _("letter-%(number)s.pdf", number=letter.id))

    @staticmethod
    def _letter(activity_id: int) -> Activity:
        number = record_id(activity_id)
        letter = letters.get_letter(number) if number is not None else None
        if letter is None:
            abort(404)
        return letter
