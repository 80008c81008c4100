"""Writing an e-mail to a contact (E10): /admin/mail/contact/<id>/, reached from the
contact's details page and, inside the page (``?fragment=1``), from the profile's
action bar; sending a not-sent e-mail again: POST /admin/mail/<activity id>/send-again.
Saving and planning the next contact are services.mail's; the sending is the
``send_mail`` background job, submitted with the e-mail's commit and tried again by
the queue while the server is away (MAIL_RETRIES, MAIL_RETRY_DELAY)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import MultipleFileField, StringField, TextAreaField
from wtforms.validators import Length

from app import fragments, jobs
from app.auth.safe_urls import safe_redirect_target
from app.extensions import db
from app.models import Activity, Contact, User
from app.models.activity import EMAIL, MAIL_SENT
from app.models.job import Job
from app.services import privacy
from app.services.activities import mail
from app.services.errors import ServiceError
from app.transactions import commit_or_refuse
from app.views import follow_up
from app.views.base import SecureBaseView
from app.views.follow_up import FollowUpFields
from app.views.screens import GroupedErrorsForm, flash_refusal, get_or_404, show_error


@jobs.kind("send_mail", label=_l("Sending an e-mail"), retries="MAIL_RETRIES",
           retry_delay="MAIL_RETRY_DELAY", again=True)
def send_mail_job(job: Job, progress: jobs.Progress, activity_id: int) -> dict:
    """Deliver a saved e-mail as the user who wrote it (or asked to send it again)."""
    activity = db.session.get(Activity, activity_id)
    user = job.user
    if activity is None or activity.kind != EMAIL or user is None \
            or not privacy.may_read(activity, user):
        raise ServiceError(_l("The e-mail is no longer there."))
    progress.total(1)
    if activity.mail_status not in mail.SENDABLE:  # sent meanwhile: never twice
        return {"skipped": 1}
    mail.send_now(activity, reply_to=user.email, may_retry=progress.retries_left > 0)
    progress.advance()
    if activity.mail_status != MAIL_SENT:  # refused, or the last try failed: kept as such
        raise jobs.Unfinished(activity.mail_note or "")
    return {"sent": 1}


def send_later(activity: Activity, user: User) -> Activity:
    """Submit the job sending the e-mail when it awaits sending (it runs once the
    caller has committed the e-mail with it)."""
    if mail.awaits_sending(activity):
        jobs.submit("send_mail", user=user, activity_id=activity.id)
    return activity


def flash_mail_outcome(activity: Activity) -> None:
    """Sent (a queue that runs jobs at once), being sent, or not sent and why."""
    if activity.mail_status == MAIL_SENT:
        flash(_("The e-mail was sent."), "success")
    elif mail.awaits_sending(activity):
        flash(_("The e-mail was saved and is being sent."), "info")
    else:
        flash(activity.mail_note or "", "warning")


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
        user = current_user._get_current_object()
        written = form.validate_on_submit() and commit_or_refuse(
            lambda: send_later(mail.write(contact, self._outgoing(form), user,
                                          follow_up.requested(form)), user),
            lambda exc: show_error(form, exc))
        if written:
            flash_mail_outcome(written.value)
            follow_up.announce(written.value.follow_up)
            return redirect(back)
        return self.render("kontakt/mail/compose.html", form=form, contact=contact, back=back,
                           fragment=fragments.requested())

    @staticmethod
    def _outgoing(form: ComposeForm) -> mail.Outgoing:
        return mail.Outgoing(to=form.to.data or "", cc=form.cc.data or "",
                             subject=form.subject.data or "", body=form.body.data or "",
                             files=request.files.getlist(form.attachments.name))

    @expose("/<activity_id>/send-again", methods=("POST",))
    def send_again(self, activity_id: str) -> Response:
        """A not-sent e-mail of a record the user may read, sent again by a new job."""
        activity = get_or_404(Activity, activity_id)
        user = current_user._get_current_object()
        if activity.kind != EMAIL or not privacy.may_read(activity, user):
            abort(404)  # F1: as good as not there
        back = safe_redirect_target(request.form.get("next") or request.args.get("next"),
                                    default=url_for("activity.details_view", id=activity.id))
        again = commit_or_refuse(lambda: send_later(mail.send_again(activity), user),
                                 flash_refusal)
        if again:
            flash_mail_outcome(again.value)
        return redirect(back)
