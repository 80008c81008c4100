"""Writing an e-mail to a contact (E10): /admin/mail/contact/<id>/, reached from the
contact's details page and, inside the page (``?fragment=1``), from the profile's
action bar. Saving, sending and planning the next contact are services.mail's."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import MultipleFileField, StringField, TextAreaField
from wtforms.validators import Length

from app import fragments
from app.auth.safe_urls import safe_redirect_target
from app.models import Activity, Contact
from app.models.activity import MAIL_SENT
from app.services.activities import mail
from app.transactions import commit_or_refuse
from app.views import follow_up
from app.views.base import SecureBaseView
from app.views.follow_up import FollowUpFields
from app.views.screens import GroupedErrorsForm, get_or_404, show_error


class ComposeForm(GroupedErrorsForm, FollowUpFields):
    """Required fields and addresses are checked by services.mail, beside each field."""

    groups = ()
    to = StringField(_l("To"), description=_l("Several addresses separated by commas."))
    cc = StringField(_l("Cc"))
    subject = StringField(_l("Subject"), validators=[Length(max=300)])
    body = TextAreaField(_l("Message"), render_kw={"rows": 12})
    attachments = MultipleFileField(_l("Attachments"))


class MailView(SecureBaseView):
    """No menu entry: opened from a contact."""

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self) -> Response:
        abort(404)  # Flask-Admin needs a default page; an e-mail is written to someone

    @expose("/contact/<contact_id>/", methods=("GET", "POST"))
    def compose(self, contact_id: str):
        contact = get_or_404(Contact, contact_id)
        back = safe_redirect_target(request.args.get("next"),
                                    default=url_for("contact.details_view", id=contact.id))
        form = ComposeForm(to=contact.email or "")
        written = form.validate_on_submit() and commit_or_refuse(
            lambda: mail.write(contact, self._outgoing(form), current_user._get_current_object(),
                               follow_up.requested(form)),
            lambda exc: show_error(form, exc))
        if written:
            self._flash_outcome(written.value)
            follow_up.announce(written.value.follow_up)
            return redirect(back)
        return self.render("kontakt/mail/compose.html", form=form, contact=contact, back=back,
                           fragment=fragments.requested())

    @staticmethod
    def _outgoing(form: ComposeForm) -> mail.Outgoing:
        return mail.Outgoing(to=form.to.data or "", cc=form.cc.data or "",
                             subject=form.subject.data or "", body=form.body.data or "",
                             files=request.files.getlist(form.attachments.name))

    @staticmethod
    def _flash_outcome(activity: Activity) -> None:
        if activity.mail_status == MAIL_SENT:
            flash(_("The e-mail was sent."), "success")
        else:
            flash(activity.mail_note or "", "warning")
