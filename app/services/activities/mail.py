"""E-mails written in the app (E10).

An e-mail is an activity of kind "email" with the contact's organisation, the contact
and every other contact of the tenant whose address appears in it as participants, and
its files as attachments of the activity. It is saved "being sent" and sent over SMTP
by a background job (the ``send_mail`` job of app/views/mail.py, which the view submits
with the e-mail), which tries again a few times while the server cannot be reached or
answers "try later" (4xx). Without a server, when the server refuses, or when the last
try failed, it is kept with the status "not sent" and the reason in ``mail_note`` — the
user's text is never lost — and can be sent again (:func:`send_again`).
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models import Activity, Attachment, Contact, User
from app.models.activity import (
    EMAIL,
    MAIL_DRAFT,
    MAIL_NOT_SENT,
    MAIL_RECEIVED,
    MAIL_SENDING,
    MAIL_SENT,
)
from app.models.base import utcnow
from app.services import identifiers
from app.services.activities import activities, attachments
from app.services.errors import ServiceError
from app.services.text import lowered

MAIL_STATUS_LABELS = {MAIL_DRAFT: _l("Draft"), MAIL_SENDING: _l("Being sent"),
                      MAIL_SENT: _l("Sent"), MAIL_NOT_SENT: _l("Not sent"),
                      MAIL_RECEIVED: _l("Received")}
SENDABLE = (MAIL_SENDING, MAIL_NOT_SENT)  # what a send_mail job delivers

NOTE_LENGTH = 500  # Activity.mail_note
FALLBACK_DOMAIN = "kontakt.invalid"  # for Message-IDs when the sender has no domain
SEPARATORS = re.compile(r"[,;\n]")

log = logging.getLogger(__name__)


@dataclass
class Outgoing:
    """What the user wrote: addresses as typed (comma-separated), texts and files."""

    to: str
    subject: str
    body: str = ""
    cc: str = ""
    files: Sequence[FileStorage] = ()


def parse_addresses(text: str | None, field: str, *, required: bool = False) -> list[str]:
    """The addresses in a comma-separated text ("Name <a@b.dk>" allowed), each checked
    and normalised, without repeats; ServiceError names the first bad one."""
    found: dict[str, str] = {}
    for part in (p.strip() for p in SEPARATORS.split(text or "")):
        if not part:
            continue
        address = parseaddr(part)[1] or part
        normalised = identifiers.normalise_email(address, field, _l(
            "%(address)s is not a valid e-mail address.", address=part))
        found.setdefault(normalised.lower(), normalised)
    if required and not found:
        raise ServiceError(_l("This field is required."), field=field)
    return list(found.values())


def sender_of(user: User) -> str:
    return current_app.config.get("MAIL_DEFAULT_SENDER") or user.email


class TemporaryFailure(RuntimeError):
    """The server could not be reached or said "try later": worth another try."""


def write(contact: Contact, outgoing: Outgoing, user: User,
          follow_up: activities.FollowUp | None = None) -> Activity:
    """Save the e-mail to the contact as an activity, to be sent (:func:`awaits_sending`:
    the caller submits the job sending it, with its commit); with ``follow_up`` asked,
    plan the next contact too. The caller commits; a ServiceError means nothing was
    saved."""
    to = parse_addresses(outgoing.to, "to", required=True)
    cc = parse_addresses(outgoing.cc, "cc")
    activity = Activity(
        kind=EMAIL, subject=outgoing.subject, body=outgoing.body, starts_at=utcnow(),
        organisation=activities.counterparty(contact), contacts=[contact], employee=user,
        planned=False, completed=False, mail_status=MAIL_DRAFT, mail_from=sender_of(user),
        mail_to=", ".join(to), mail_cc=", ".join(cc) or None)
    activities.prepare(activity, is_new=True, creator_id=user.id)
    # after prepare: people from other organisations join by their address (E10)
    link_contacts(activity)
    db.session.add(activity)
    activities.plan_next_contact(activity, follow_up)  # refused before anything leaves
    for upload in outgoing.files:
        if upload and upload.filename:
            attachments.add(activity, upload, user, field="attachments")
    db.session.flush()  # the record is sound before anything leaves
    _queue(activity)
    return activity


def _queue(activity: Activity) -> None:
    """Marked to be sent, or not sent at once when there is no server to send it."""
    if not current_app.config.get("MAIL_SERVER"):
        _not_sent(activity, _("No mail server is configured; the e-mail was saved but not "
                              "sent."))
        return
    activity.mail_status, activity.mail_note = MAIL_SENDING, None


def awaits_sending(activity: Activity) -> bool:
    return activity.mail_status == MAIL_SENDING


def may_send_again(activity: Activity) -> bool:
    return activity.kind == EMAIL and activity.mail_status == MAIL_NOT_SENT


def send_again(activity: Activity) -> Activity:
    """A not-sent e-mail marked to be sent again (the caller submits the job)."""
    if not may_send_again(activity):
        raise ServiceError(_l("Only an e-mail that was not sent can be sent again."))
    _queue(activity)
    return activity


def send_now(activity: Activity, reply_to: str | None, *, may_retry: bool) -> None:
    """Deliver a saved e-mail with its files (the send_mail job). ``may_retry``: a
    temporary failure raises TemporaryFailure (the queue tries again later) instead of
    leaving the e-mail not sent."""
    files = sorted(attachments.files_of(activity_id=activity.id), key=lambda a: a.id)
    deliver(activity, files, reply_to=reply_to, may_retry=may_retry)


def addresses_in(activity: Activity) -> set[str]:
    """Sender and recipients (to, cc), lower-cased."""
    headers = [h for h in (activity.mail_from, activity.mail_to, activity.mail_cc) if h]
    return {address.lower() for _name, address in getaddresses(headers) if "@" in address}


def link_contacts(activity: Activity) -> list[Contact]:
    """Add every contact of the tenant whose address is the sender or a recipient, in
    one query (case-insensitive, on the lower(email) index); returns those added."""
    addresses = addresses_in(activity)
    if not addresses:
        return []
    with db.session.no_autoflush:
        found = db.session.scalars(select(Contact).where(lowered(Contact.email).in_(addresses)))
        added = [contact for contact in found if contact not in activity.contacts]
    activity.contacts.extend(added)
    return added


def deliver(activity: Activity, files: list[Attachment], reply_to: str | None = None, *,
            may_retry: bool = False) -> None:
    """Send over SMTP and record the outcome in mail_status, mail_note and message_id;
    with ``may_retry``, a temporary failure raises TemporaryFailure and records nothing."""
    if not current_app.config.get("MAIL_SERVER"):
        _not_sent(activity, _("No mail server is configured; the e-mail was saved but not "
                              "sent."))
        return
    try:
        message = build_message(activity, files, reply_to)
        _send(message)
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        log.warning("E-mail not sent (tenant %s, activity %s): %s", activity.tenant_id,
                    activity.id, logged_reason(exc))
        if may_retry and is_temporary(exc):
            raise TemporaryFailure(logged_reason(exc)) from exc
        _not_sent(activity, _("The e-mail was saved but not sent: %(reason)s",
                              reason=failure_reason(exc)))
        return
    activity.mail_status = MAIL_SENT
    activity.message_id = message["Message-ID"]
    activity.mail_note = None
    activity.completed = True  # sent is done; E6 keeps it as it went out


def _not_sent(activity: Activity, note: str) -> None:
    activity.mail_status = MAIL_NOT_SENT
    activity.mail_note = note[:NOTE_LENGTH]


def is_temporary(exc: Exception) -> bool:
    """A failure that may pass (RFC 5321 4.2.1: 4xx answers; a server that cannot be
    reached or hung up), unlike a refusal (5xx) or an e-mail that cannot be built."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _answer in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def failure_reason(exc: Exception) -> str:
    """The server's answer (code and text) or the connection's error, for people."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{address}: {code} {_text(answer)}"
                         for address, (code, answer) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, OSError):  # the system's words ("[Errno 111] …") go to the log
        return _("the mail server could not be reached or did not answer; please try "
                 "again later, or ask your administrator to check the mail settings")
    return _("the e-mail could not be built from its addresses and text")


def logged_reason(exc: Exception) -> str:
    """The failure for the server's log, without the addresses that a server's answer
    may name (personal data): the user sees the full answer on the e-mail itself."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__} {exc.smtp_code}"
    if isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"{type(exc).__name__}: {exc}"
    return type(exc).__name__


def _text(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def build_message(activity: Activity, files: list[Attachment],
                  reply_to: str | None = None) -> EmailMessage:
    """The MIME message: UTF-8 headers and text, each file with its recorded type."""
    message = EmailMessage()
    message["Subject"] = activity.subject
    message["From"] = activity.mail_from
    message["To"] = activity.mail_to
    if activity.mail_cc:
        message["Cc"] = activity.mail_cc
    if reply_to and reply_to.lower() not in addresses_in(activity):
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(utcnow())
    domain = parseaddr(activity.mail_from or "")[1].rpartition("@")[2] or FALLBACK_DOMAIN
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(activity.body or "")
    for attachment in files:
        maintype, _slash, subtype = attachment.content_type.partition("/")
        if maintype in ("multipart", "message") or not subtype:  # bytes go as a plain file
            maintype, subtype = "application", "octet-stream"
        message.add_attachment(attachments.read_bytes(attachment), maintype=maintype,
                               subtype=subtype, filename=attachment.filename)
    return message


def _send(message: EmailMessage) -> None:
    config = current_app.config
    host, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)
    timeout = float(config.get("MAIL_TIMEOUT") or 10)
    context = ssl.create_default_context()
    if config.get("MAIL_USE_SSL"):
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            client.starttls(context=context)
        if config.get("MAIL_USERNAME"):
            client.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        client.send_message(message)
