"""E-mails written in the app (E10), sent to a real SMTP server started in the test."""

from __future__ import annotations

import email
import io
import os
import socket
from email import policy
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.extensions import db
from app.models import Activity, Contact, User
from app.models.activity import activity_contact
from app.models.job import DONE, FAILED, Job
from app.services.activities import attachments, mail
from app.tenancy import all_tenants, tenant_context
from tests.conftest import folder_of, login
from tests.factories import PDF, gen_contact, gen_organisation

SUBJECT = "Tilbud på æblegrød – ąę"
BODY = "Hej Jens,\n\nHer er tilbuddet på æøå og zażółć gęślą jaźń.\n\nMvh\n"


class Collector:
    """An SMTP handler keeping every message it is given."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class Refuser:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        return "550 5.1.1 Mailbox unavailable"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(app, monkeypatch, handler) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
    return controller


@pytest.fixture
def smtp_server(app, monkeypatch):
    handler = Collector()
    controller = start_server(app, monkeypatch, handler)
    yield handler
    controller.stop()


def compose(client, contact_id: int, files=(), **values):
    data = {"to": "jens@nordlys.example", "subject": SUBJECT, "body": BODY, **values}
    data["attachments"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post(f"/admin/mail/contact/{contact_id}/", data=data,
                       content_type="multipart/form-data")


def emails_of(tenant_id: int) -> list[Activity]:
    db.session.expire_all()
    with tenant_context(tenant_id):
        return list(db.session.scalars(select(Activity).where(Activity.kind == "email")
                                       .order_by(Activity.id)))


def danish(message: str, **values) -> str:
    with force_locale("da"):
        return gettext(message, **values)


def test_compose_page_has_the_contacts_address(admin_client, tenant_a):
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id),
                             email="jens@nordlys.example")
    details = admin_client.get(f"/admin/contact/details/?id={contact_id}").get_data(as_text=True)
    assert f'href="/admin/mail/contact/{contact_id}/"' in details
    page = admin_client.get(f"/admin/mail/contact/{contact_id}/").get_data(as_text=True)
    assert 'value="jens@nordlys.example"' in page and 'enctype="multipart/form-data"' in page


def test_email_is_sent_with_utf8_text_and_attachments(app, admin_client, tenant_a,
                                                      smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "Kontakt CRM <crm@alpha.example>")
    organisation_id = gen_organisation(tenant_a.id)
    contact_id = gen_contact(tenant_a.id, organisation_id, email="jens@nordlys.example")
    response = compose(admin_client, contact_id, to="jens@nordlys.example, ole@andet.example",
                       cc="chef@nordlys.example",
                       files=[(PDF, "Tilbud Ærø.pdf"), (b"navn;by\nJens;Ry\n", "liste.csv")])
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/contact/details/?id={contact_id}")

    [envelope] = smtp_server.envelopes
    assert envelope.mail_from == "crm@alpha.example"
    assert envelope.rcpt_tos == ["jens@nordlys.example", "ole@andet.example",
                                 "chef@nordlys.example"]
    message = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert message["Subject"] == SUBJECT
    assert message["From"] == "Kontakt CRM <crm@alpha.example>"
    assert message["To"] == "jens@nordlys.example, ole@andet.example"
    assert message["Cc"] == "chef@nordlys.example"
    assert message["Reply-To"] == "admin@alpha.example"
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == BODY
    files = {part.get_filename(): part for part in message.iter_attachments()}
    assert files["Tilbud Ærø.pdf"].get_content_type() == "application/pdf"
    assert files["Tilbud Ærø.pdf"].get_content() == PDF
    assert files["liste.csv"].get_content_type() == "text/csv"
    assert files["liste.csv"].get_payload(decode=True) == b"navn;by\nJens;Ry\n"

    [activity] = emails_of(tenant_a.id)
    with tenant_context(tenant_a.id):
        activity = db.session.get(Activity, activity.id)
        assert (activity.mail_status, activity.mail_note) == ("sent", None)
        assert activity.message_id == message["Message-ID"]
        assert activity.message_id.endswith("@alpha.example>")
        assert (activity.subject, activity.body) == (SUBJECT, BODY.strip())
        assert activity.organisation_id == organisation_id and activity.completed
        assert activity.employee.email == "admin@alpha.example"
        assert [c.id for c in activity.contacts] == [contact_id]
        stored = attachments.files_of(activity_id=activity.id)
        assert {a.filename for a in stored} == {"Tilbud Ærø.pdf", "liste.csv"}
        # "E-mail attachments appear among the contact's files"
        assert {a.filename for a in attachments.files_of(contact_id=contact_id)} == {
            "Tilbud Ærø.pdf", "liste.csv"}
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert danish("The e-mail was sent.") in page and "Tilbud Ærø.pdf" in page


def test_without_a_mail_server_the_email_is_saved_not_sent(admin_client, tenant_a,
                                                           no_mail_server):
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id),
                             email="jens@nordlys.example")
    response = compose(admin_client, contact_id, files=[(b"x", "bilag.txt")])
    assert response.status_code == 302
    [activity] = emails_of(tenant_a.id)
    note = danish("No mail server is configured; the e-mail was saved but not sent.")
    assert (activity.mail_status, activity.mail_note) == ("not_sent", note)
    assert activity.message_id is None and not activity.completed
    assert activity.mail_from == "admin@alpha.example"
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert note in page and "bilag.txt" in page


def test_a_server_that_is_down_leaves_the_email_not_sent_with_the_reason(
        app, admin_client, tenant_a, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nobody listens there
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id),
                             email="jens@nordlys.example")
    response = compose(admin_client, contact_id)
    assert response.status_code == 302
    [activity] = emails_of(tenant_a.id)
    assert activity.mail_status == "not_sent"
    prefix = danish("The e-mail was saved but not sent: %(reason)s", reason="")
    unreachable = danish("the mail server could not be reached or did not answer; please "
                         "try again later, or ask your administrator to check the mail "
                         "settings")
    assert activity.mail_note == prefix + unreachable  # the system's "[Errno 111]" is logged
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert prefix in page


def test_a_refusing_server_leaves_the_email_not_sent_with_its_answer(
        app, admin_client, tenant_a, monkeypatch):
    controller = start_server(app, monkeypatch, Refuser())
    try:
        contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id),
                                 email="jens@nordlys.example")
        assert compose(admin_client, contact_id).status_code == 302
    finally:
        controller.stop()
    [activity] = emails_of(tenant_a.id)
    assert activity.mail_status == "not_sent"
    assert "550 5.1.1 Mailbox unavailable" in activity.mail_note


def test_email_is_linked_to_every_contact_with_an_address_in_it(
        admin_client, tenant_a, tenant_b, smtp_server):
    jens = gen_contact(tenant_a.id, gen_organisation(tenant_a.id), email="jens@nordlys.example")
    other_org = gen_organisation(tenant_a.id, "Andet A/S")
    ole = gen_contact(tenant_a.id, other_org, last_name="Olsen", email="Ole@Andet.Example")
    sender = gen_contact(tenant_a.id, other_org, last_name="Admin", email="ADMIN@alpha.example")
    gen_contact(tenant_a.id, other_org, last_name="Ingen", email="nobody@andet.example")
    foreign = gen_contact(tenant_b.id, gen_organisation(tenant_b.id), last_name="Obcy",
                          email="ole@andet.example")
    response = compose(admin_client, jens, to="jens@nordlys.example",
                       cc="OLE@andet.example, ingen-kontakt@andet.example")
    assert response.status_code == 302
    [activity] = emails_of(tenant_a.id)
    with all_tenants():
        linked = set(db.session.scalars(select(activity_contact.c.contact_id).where(
            activity_contact.c.activity_id == activity.id)))
    assert linked == {jens, ole, sender}
    assert foreign not in linked
    assert len(smtp_server.envelopes) == 1


def test_bad_addresses_are_refused_beside_their_field_and_nothing_is_kept(
        app, admin_client, tenant_a, smtp_server):
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id),
                             email="jens@nordlys.example")
    response = compose(admin_client, contact_id, to="jens@nordlys.example, ikke en adresse",
                       files=[(PDF, "a.pdf")])
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert danish("%(address)s is not a valid e-mail address.",
                  address="ikke en adresse") in html
    assert SUBJECT in html  # what was written is kept
    response = compose(admin_client, contact_id, cc="x@", subject="Hej")
    assert danish("%(address)s is not a valid e-mail address.", address="x@") in \
        response.get_data(as_text=True)
    response = compose(admin_client, contact_id, to=" , ")
    assert danish("This field is required.") in response.get_data(as_text=True)
    assert emails_of(tenant_a.id) == [] and smtp_server.envelopes == []
    assert not folder_of(app, tenant_a.id).exists() or os.listdir(folder_of(app, tenant_a.id)) \
        == []


def test_refused_next_contact_sends_nothing(app, admin_client, tenant_a, smtp_server):
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id),
                             email="jens@nordlys.example")
    response = compose(admin_client, contact_id, files=[(PDF, "a.pdf")], follow_up_in="0",
                       follow_up_unit="days")
    assert danish("Give a number from 1 to %(most)s.", most=1000) in \
        response.get_data(as_text=True)
    assert emails_of(tenant_a.id) == [] and smtp_server.envelopes == []
    assert not folder_of(app, tenant_a.id).exists() or os.listdir(folder_of(app, tenant_a.id)) \
        == []


def test_too_large_attachment_is_refused(app, admin_client, tenant_a, smtp_server,
                                         monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 100)
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id),
                             email="jens@nordlys.example")
    response = compose(admin_client, contact_id, files=[(b"x" * 101, "stor.bin")])
    assert response.status_code == 200
    assert danish("The file is larger than %(size)s MB.", size="0") in \
        response.get_data(as_text=True)
    assert emails_of(tenant_a.id) == [] and smtp_server.envelopes == []


def test_private_customer_email_goes_to_the_private_customers_organisation(
        admin_client, tenant_a, no_mail_server):
    with tenant_context(tenant_a.id):
        contact = Contact(first_name="Karen", last_name="Ryg", kind="private",
                          email="karen@privat.example")
        db.session.add(contact)
        db.session.commit()
        contact_id = contact.id
    response = compose(admin_client, contact_id, to="karen@privat.example")
    assert response.status_code == 302
    [activity] = emails_of(tenant_a.id)
    with tenant_context(tenant_a.id):
        assert db.session.get(Activity, activity.id).organisation.is_private_customers


def test_another_tenants_contact_cannot_be_written_to(client, tenant_a, tenant_b,
                                                      smtp_server):
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id),
                             email="jens@nordlys.example")
    login(client, "admin@beta.example")
    assert client.get(f"/admin/mail/contact/{contact_id}/").status_code == 404
    assert compose(client, contact_id).status_code == 404
    for bad in ("999999", "abc", "99999999999999999999"):
        assert client.get(f"/admin/mail/contact/{bad}/").status_code == 404
    assert emails_of(tenant_a.id) == [] and emails_of(tenant_b.id) == []
    assert smtp_server.envelopes == []


def test_parse_addresses_normalises_and_drops_repeats():
    assert mail.parse_addresses("Jens <jens@Nordlys.example>; JENS@nordlys.example,\n"
                                "ole@andet.example", "to") == [
        "jens@nordlys.example", "ole@andet.example"]


def test_user_mail_address_is_the_sender_without_a_default(app, tenant_a, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "")
    with tenant_context(tenant_a.id):
        user = db.session.scalar(select(User).where(User.email == "user@alpha.example"))
        assert mail.sender_of(user) == "user@alpha.example"


# --- sending as a background job: retries, sending again ------------------------------

class FailsFirst(Collector):
    """Answers "try again later" (451) to the first ``failures`` attempts, then accepts."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures, self.attempts = failures, 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.attempts += 1
        if self.attempts <= self.failures:
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class CountingRefuser(Refuser):
    def __init__(self) -> None:
        self.attempts = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.attempts += 1
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def send_jobs(tenant_id: int) -> list[Job]:
    db.session.expire_all()
    with tenant_context(tenant_id):
        return list(db.session.scalars(select(Job).where(Job.kind == "send_mail")
                                       .order_by(Job.id)))


@pytest.fixture
def jens(tenant_a) -> int:
    return gen_contact(tenant_a.id, gen_organisation(tenant_a.id), email="jens@nordlys.example")


def test_a_server_saying_try_later_is_tried_again_until_it_accepts(
        app, admin_client, tenant_a, jens, monkeypatch):
    handler = FailsFirst(failures=2)
    controller = start_server(app, monkeypatch, handler)
    try:
        response = compose(admin_client, jens, files=[(PDF, "Tilbud.pdf")])
    finally:
        controller.stop()
    assert response.status_code == 302
    assert handler.attempts == 3 and len(handler.envelopes) == 1
    message = email.message_from_bytes(handler.envelopes[0].original_content,
                                       policy=policy.default)
    assert [part.get_filename() for part in message.iter_attachments()] == ["Tilbud.pdf"]
    [activity] = emails_of(tenant_a.id)
    assert (activity.mail_status, activity.mail_note) == ("sent", None)
    [job] = send_jobs(tenant_a.id)
    assert (job.state, job.summary, job.error, job.params) == (
        DONE, {"sent": 1}, None, {"activity_id": activity.id})
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert danish("The e-mail was sent.") in page


def test_after_the_last_try_the_email_is_not_sent_and_offers_sending_again(
        app, admin_client, tenant_a, jens, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_RETRIES", 2)
    handler = FailsFirst(failures=100)
    controller = start_server(app, monkeypatch, handler)
    try:
        response = compose(admin_client, jens)
    finally:
        controller.stop()
    assert handler.attempts == 3 and handler.envelopes == []  # the first and two retries
    [activity] = emails_of(tenant_a.id)
    assert activity.mail_status == "not_sent"
    assert "451 4.3.0 Mailbox busy, try again later" in activity.mail_note
    [job] = send_jobs(tenant_a.id)
    assert (job.state, job.error) == (FAILED, activity.mail_note)
    details = admin_client.get(f"/admin/activity/details/?id={activity.id}")
    html = details.get_data(as_text=True)
    assert f'action="/admin/mail/{activity.id}/send-again"' in html
    assert danish("Send again") in html and 'name="csrf_token"' in html
    profile = admin_client.get(f"/admin/contact/{jens}/profile?tab=email")
    assert f'id="send-again-{activity.id}"' in profile.get_data(as_text=True)
    assert danish("Not sent") in profile.get_data(as_text=True)
    job_page = admin_client.get(f"/admin/jobs/{job.id}/").get_data(as_text=True)
    assert f'action="/admin/jobs/{job.id}/again"' in job_page
    assert response.status_code == 302


def test_a_refusal_is_not_tried_again(app, admin_client, tenant_a, jens, monkeypatch):
    handler = CountingRefuser()
    controller = start_server(app, monkeypatch, handler)
    try:
        compose(admin_client, jens)
    finally:
        controller.stop()
    assert handler.attempts == 1
    [activity] = emails_of(tenant_a.id)
    assert activity.mail_status == "not_sent" and "550 5.1.1" in activity.mail_note


def test_a_not_sent_email_is_sent_again(app, admin_client, tenant_a, jens, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    compose(admin_client, jens, files=[(b"bilag", "bilag.txt")])
    [activity] = emails_of(tenant_a.id)
    assert activity.mail_status == "not_sent" and send_jobs(tenant_a.id) == []
    handler = Collector()
    controller = start_server(app, monkeypatch, handler)
    back = f"/admin/contact/{jens}/profile?tab=email"
    try:
        response = admin_client.post(f"/admin/mail/{activity.id}/send-again",
                                     data={"next": back})
        assert response.status_code == 302 and response.headers["Location"].endswith(back)
        assert danish("The e-mail was sent.") in admin_client.get(back).get_data(as_text=True)
        # sent: nothing to send again, and nothing goes out twice
        again = admin_client.post(f"/admin/mail/{activity.id}/send-again",
                                  data={"next": "https://evil.example/"})
        assert again.status_code == 302
        assert urlsplit(again.headers["Location"]).netloc in ("", "localhost")
        page = admin_client.get(again.headers["Location"]).get_data(as_text=True)
        assert danish("Only an e-mail that was not sent can be sent again.") in page
    finally:
        controller.stop()
    assert len(handler.envelopes) == 1
    message = email.message_from_bytes(handler.envelopes[0].original_content,
                                       policy=policy.default)
    assert [part.get_filename() for part in message.iter_attachments()] == ["bilag.txt"]
    [activity] = emails_of(tenant_a.id)
    assert (activity.mail_status, activity.mail_note) == ("sent", None)
    assert activity.completed and activity.message_id == message["Message-ID"]
    assert [job.state for job in send_jobs(tenant_a.id)] == [DONE]


def test_a_failed_send_job_is_tried_again_from_its_page(app, admin_client, tenant_a, jens,
                                                        monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_RETRIES", 0)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nobody listens there
    compose(admin_client, jens)
    [failed] = send_jobs(tenant_a.id)
    assert failed.state == FAILED
    handler = Collector()
    controller = start_server(app, monkeypatch, handler)
    try:
        response = admin_client.post(f"/admin/jobs/{failed.id}/again")
    finally:
        controller.stop()
    first, second = send_jobs(tenant_a.id)
    assert response.headers["Location"].endswith(f"/admin/jobs/{second.id}/")
    assert (first.state, second.state, second.params) == (FAILED, DONE, failed.params)
    assert len(handler.envelopes) == 1
    assert emails_of(tenant_a.id)[0].mail_status == "sent"
    # a job that did not fail is not run again
    response = admin_client.post(f"/admin/jobs/{second.id}/again")
    assert response.headers["Location"].endswith(f"/admin/jobs/{second.id}/")
    assert len(send_jobs(tenant_a.id)) == 2


def test_with_a_real_queue_the_email_is_saved_as_being_sent(app, admin_client, tenant_a,
                                                             jens, smtp_server, monkeypatch):
    huey = app.extensions["jobs"].huey
    monkeypatch.setattr(huey, "immediate", False)  # kept in the queue, as a worker's
    response = compose(admin_client, jens)
    [activity] = emails_of(tenant_a.id)
    assert activity.mail_status == "sending" and smtp_server.envelopes == []
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert danish("The e-mail was saved and is being sent.") in page
    profile = admin_client.get(f"/admin/contact/{jens}/profile?tab=email")
    assert danish("Being sent") in profile.get_data(as_text=True)
    assert 'id="send-again-' not in profile.get_data(as_text=True)
    huey.execute(huey.dequeue())  # the worker's turn
    assert len(smtp_server.envelopes) == 1
    assert emails_of(tenant_a.id)[0].mail_status == "sent"


def test_send_again_only_for_emails_the_user_may_read(app, client, tenant_a, tenant_b, jens,
                                                      no_mail_server):
    login(client, "admin@alpha.example")
    compose(client, jens)
    [activity] = emails_of(tenant_a.id)
    with tenant_context(tenant_a.id):
        db.session.get(Contact, jens).email_access_restricted = True  # F1
        db.session.commit()
    client.post("/logout")
    login(client, "user@alpha.example")
    assert client.post(f"/admin/mail/{activity.id}/send-again").status_code == 404
    assert client.get(f"/admin/mail/{activity.id}/send-again").status_code == 405
    client.post("/logout")
    login(client, "admin@beta.example")
    assert client.post(f"/admin/mail/{activity.id}/send-again").status_code == 404
    assert send_jobs(tenant_a.id) == [] and send_jobs(tenant_b.id) == []
