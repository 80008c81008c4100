"""Webhooks: a real HTTP receiver on loopback gets signed deliveries of the events made
on every path (service, screens, API, merge), in order per record (a lost delivery
holding the later ones only so long), retried when it fails, and the webhook is
disabled after repeated failure; the administrator's screens (delete, the paged log);
old deliveries pruned."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, insert, select, update

from app import jobs
from app.extensions import db
from app.models import Contact, Organisation, User, Webhook, WebhookDelivery
from app.models.base import utcnow
from app.models.job import Job
from app.models.webhook import DELIVERED, FAILED, INTERRUPTED, PENDING
from app.services import webhooks
from app.services.errors import ServiceError
from app.tenancy import tenant_context
from app.transactions import commit_or_refuse
from tests.conftest import count_queries, login, user_id
from tests.factories import bearer, contact_form, gen_api_token, gen_contact, gen_organisation


class Receiver:
    """An HTTP server on loopback answering each POST with the next of ``answers``
    (then 200), keeping what it received."""

    def __init__(self) -> None:
        self.answers: list[int] = []
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.answers.pop(0) if receiver.answers else 200
                receiver.received.append({"headers": dict(self.headers), "body": body,
                                          "status": status, "path": self.path})
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"thanks" if status < 300 else b"not now")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/kontakt"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def accepted(self) -> list[dict]:
        return [json.loads(item["body"]) for item in self.received if item["status"] < 300]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(app, monkeypatch):
    for name, value in {"WEBHOOK_ALLOW_PRIVATE": True, "WEBHOOK_RETRY_DELAY": 0,
                        "WEBHOOK_ORDER_WAIT": 0, "WEBHOOK_ATTEMPTS": 3,
                        "WEBHOOK_DISABLE_AFTER": 2}.items():
        monkeypatch.setitem(app.config, name, value)
    started = Receiver()
    yield started
    started.stop()


def register(tenant_id: int, url: str, events=webhooks.EVENTS,
             admin: str = "admin@alpha.example") -> tuple[int, str]:
    with tenant_context(tenant_id):
        user = db.session.get(User, user_id(tenant_id, admin))
        hook, secret = commit_or_refuse(lambda: webhooks.register(url, events, user)).value
        return hook.id, secret


def deliveries(tenant_id: int) -> list[WebhookDelivery]:
    with tenant_context(tenant_id):
        rows = list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))
        db.session.expunge_all()
        return rows


@contextmanager
def jobs_held():
    """Deliveries' jobs stay in the queue (as behind a busy worker) until run."""
    huey = jobs.queue().huey
    huey.immediate = False
    try:
        yield huey
    finally:
        huey.immediate = True


def run_scheduled(until_empty: bool = True) -> None:
    """The queue's schedule (retries, waits) run now, as a worker would run it later
    (``until_empty``: and nothing is left waiting)."""
    huey = jobs.queue().huey
    later = huey._get_timestamp() + timedelta(days=1)
    for _round in range(5):
        for task in huey.read_schedule(timestamp=later):
            huey.execute(task, timestamp=later)
    assert not until_empty or huey.read_schedule(timestamp=later) == []


def age(tenant_id: int, delivery_id: int, **ago: float) -> None:
    """The delivery made (and last active) this long ago."""
    with tenant_context(tenant_id):
        db.session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
                           .values(created_at=utcnow() - timedelta(**ago), active_at=None))
        db.session.commit()


def verified(item: dict, secret: str) -> dict:
    """The body, after checking the signature as the README tells receivers to."""
    timestamp = item["headers"]["X-Kontakt-Timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + item["body"],
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(item["headers"]["X-Kontakt-Signature"], f"sha256={expected}")
    return json.loads(item["body"])


def test_a_delivery_is_signed_and_carries_the_record(tenant_a, receiver):
    _hook, secret = register(tenant_a.id, receiver.url)
    contact_id = gen_contact(tenant_a.id, first_name="Anna", last_name="Berg")
    [item] = receiver.received
    body = verified(item, secret)
    assert item["path"] == "/hooks/kontakt"
    assert item["headers"]["X-Kontakt-Event"] == "contact.created"
    assert item["headers"]["Content-Type"] == "application/json"
    assert body["event"] == "contact.created" and body["tenant"] == "alpha"
    assert item["headers"]["X-Kontakt-Delivery"] == body["id"]
    assert body["data"]["entity"] == "contact" and body["data"]["id"] == contact_id
    assert body["data"]["first_name"] == "Anna" and body["data"]["email"] == "anna.berg@example.com"
    assert body["occurred_at"]
    [delivery] = deliveries(tenant_a.id)
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DELIVERED, 1, 200)
    assert delivery.response_excerpt == "thanks" and delivery.delivered_at is not None


def test_a_tampered_body_fails_the_check(tenant_a, receiver):
    _hook, secret = register(tenant_a.id, receiver.url)
    gen_organisation(tenant_a.id, "Fjordkraft A/S")
    item = dict(receiver.received[0])
    item["body"] = item["body"].replace(b"Fjordkraft", b"Fjordkrafx")
    with pytest.raises(AssertionError):
        verified(item, secret)


def test_only_the_events_chosen_are_delivered(tenant_a, receiver):
    register(tenant_a.id, receiver.url, ["organisation.updated"])
    organisation = gen_organisation(tenant_a.id, "Fjordkraft A/S")
    gen_contact(tenant_a.id)
    assert receiver.received == []
    with tenant_context(tenant_a.id):
        commit_or_refuse(lambda: setattr(db.session.get(Organisation, organisation),
                                         "name", "Fjordkraft ApS"))
    [body] = receiver.accepted()
    assert body["event"] == "organisation.updated"
    assert body["data"]["name"] == "Fjordkraft ApS" and body["data"]["changed"] == ["name"]


def test_a_failing_receiver_is_tried_again_until_it_accepts(tenant_a, receiver):
    register(tenant_a.id, receiver.url)
    receiver.answers = [500, 503]
    gen_contact(tenant_a.id)
    assert [item["status"] for item in receiver.received] == [500, 503, 200]
    bodies = {item["body"] for item in receiver.received}
    assert len(bodies) == 1  # the same delivery each time
    [delivery] = deliveries(tenant_a.id)
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DELIVERED, 3, 200)


def test_repeated_failure_gives_up_and_disables_the_webhook(tenant_a, receiver):
    hook_id, _secret = register(tenant_a.id, receiver.url)
    receiver.answers = [500] * 6  # three attempts per delivery, two deliveries
    first = gen_contact(tenant_a.id, first_name="Anna")
    gen_contact(tenant_a.id, first_name="Bo")
    assert len(receiver.received) == 6
    assert [(d.status, d.attempts, d.response_status) for d in deliveries(tenant_a.id)] \
        == [(FAILED, 3, 500), (FAILED, 3, 500)]
    with tenant_context(tenant_a.id):
        hook = db.session.get(Webhook, hook_id)
        assert not hook.active and hook.failures == 2 and hook.disabled_at is not None
        contact = db.session.get(Contact, first)
        commit_or_refuse(lambda: setattr(contact, "last_name", "Berg"))
    assert len(receiver.received) == 6 and len(deliveries(tenant_a.id)) == 2  # no more


def test_deliveries_of_a_record_arrive_in_order_when_the_first_is_retried(
        app, tenant_a, receiver, monkeypatch):
    """The first fails and waits (with a delay) for its retry; the second, behind it,
    waits its turn rather than overtaking it."""
    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_DELAY", 60)
    monkeypatch.setitem(app.config, "WEBHOOK_ORDER_WAIT", 5)
    register(tenant_a.id, receiver.url)
    receiver.answers = [500]
    contact_id = gen_contact(tenant_a.id, first_name="Anna")
    with tenant_context(tenant_a.id):
        contact = db.session.get(Contact, contact_id)
        commit_or_refuse(lambda: setattr(contact, "last_name", "Berg"))
    assert [item["status"] for item in receiver.received] == [500]  # the second waited
    assert [d.status for d in deliveries(tenant_a.id)] == [PENDING, PENDING]
    run_scheduled()
    events = [(body["event"], body["data"]["last_name"]) for body in receiver.accepted()]
    assert events == [("contact.created", "Hansen"), ("contact.updated", "Berg")]
    assert [d.status for d in deliveries(tenant_a.id)] == [DELIVERED, DELIVERED]


def test_a_url_must_be_http_and_public(app, tenant_a):
    with tenant_context(tenant_a.id):
        for url in ("ftp://example.com/x", "file:///etc/passwd", "javascript:alert(1)",
                    "http://127.0.0.1:8000/", "http://10.0.0.5/hook", "http://[::1]/",
                    "http://169.254.169.254/latest", "http://user:pw@example.com/"):
            with pytest.raises(ServiceError) as refused:
                webhooks.check_url(url)
            assert refused.value.field == "url"


# --- every path makes the events ------------------------------------------------------

def test_the_screens_make_events(client, tenant_a, receiver):
    register(tenant_a.id, receiver.url, ["contact.created"])
    organisation = gen_organisation(tenant_a.id, "Fjordkraft A/S")
    login(client, "user@alpha.example")
    response = client.post("/admin/contact/new/",
                           data=contact_form(organisation, first_name="Karen"))
    assert response.status_code == 302
    [body] = receiver.accepted()
    assert body["event"] == "contact.created" and body["data"]["first_name"] == "Karen"


def test_the_api_makes_events(client, tenant_a, receiver):
    register(tenant_a.id, receiver.url, ["contact.created", "contact.deleted"])
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    organisation = gen_organisation(tenant_a.id, "Fjordkraft A/S")
    created = client.post("/api/v1/contacts", headers=bearer(token), json={
        "first_name": "Anna", "last_name": "Berg", "email": "anna@fjord.dk",
        "organisation_id": organisation})
    assert created.status_code == 201, created.json
    deleted = client.delete(f"/api/v1/contacts/{created.json['id']}", headers=bearer(token))
    assert deleted.status_code == 204
    bodies = receiver.accepted()
    assert [(b["event"], b["data"]["id"], b["data"]["last_name"]) for b in bodies] == [
        ("contact.created", created.json["id"], "Berg"),
        ("contact.deleted", created.json["id"], "Berg")]


def test_a_merge_makes_a_merged_event(client, tenant_a, receiver):
    register(tenant_a.id, receiver.url, ["contact.merged"])
    organisation = gen_organisation(tenant_a.id)
    survivor = gen_contact(tenant_a.id, organisation, "Anna", "Berg")
    other = gen_contact(tenant_a.id, organisation, "Anna", "Bergh", phone="+4520123456")
    login(client, "admin@alpha.example")
    response = client.post(f"/admin/duplicates/merge/contact/{survivor}/{other}/",
                           data={"survivor": "first", "field-phone": "second"})
    assert response.status_code == 302
    [body] = receiver.accepted()
    assert body["event"] == "contact.merged"
    assert body["data"]["id"] == survivor and body["data"]["merged_id"] == other
    assert body["data"]["last_name"] == "Berg" and body["data"]["phone"] == "+4520123456"


# --- the administrator's screens ------------------------------------------------------

def test_a_webhook_is_registered_and_its_secret_shown_once(client, tenant_a, receiver):
    login(client, "admin@alpha.example")
    assert client.get("/admin/webhooks/").status_code == 200
    refused = client.post("/admin/webhooks/", data={"url": "ftp://example.com/x",
                                                    "events": ["contact.created"]})
    assert refused.status_code == 200
    assert "begynder med http:// eller https://" in refused.text  # tenant A: Danish
    response = client.post("/admin/webhooks/", data={
        "url": receiver.url, "events": ["contact.created", "case.updated"]})
    assert response.status_code == 200
    with tenant_context(tenant_a.id):
        hook = db.session.scalars(select(Webhook)).one()
        assert hook.events == ["case.updated", "contact.created"] and hook.active
        secret = hook.secret
    assert secret in response.text
    page = client.get("/admin/webhooks/")
    assert receiver.url in page.text and secret not in page.text
    gen_contact(tenant_a.id)
    verified(receiver.received[0], secret)


def test_only_administrators_see_webhooks(client, tenant_a):
    login(client, "user@alpha.example")
    assert client.get("/admin/webhooks/").status_code == 403


def test_a_failed_delivery_is_sent_again_from_its_log(client, tenant_a, receiver):
    hook_id, _secret = register(tenant_a.id, receiver.url)
    receiver.answers = [500, 500, 500]
    gen_contact(tenant_a.id)
    [delivery] = deliveries(tenant_a.id)
    assert delivery.status == FAILED
    login(client, "admin@alpha.example")
    log = client.get(f"/admin/webhooks/{hook_id}/")
    assert log.status_code == 200 and "contact.created" in log.text and "500" in log.text
    again = client.post(f"/admin/webhooks/deliveries/{delivery.id}/send-again")
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/admin/webhooks/{hook_id}/")
    [delivery] = deliveries(tenant_a.id)
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DELIVERED, 1, 200)
    assert [item["status"] for item in receiver.received] == [500, 500, 500, 200]
    assert len({item["headers"]["X-Kontakt-Delivery"] for item in receiver.received}) == 1


def test_a_webhook_is_disabled_and_enabled_from_the_list(client, tenant_a, receiver):
    hook_id, _secret = register(tenant_a.id, receiver.url)
    login(client, "admin@alpha.example")
    assert client.post(f"/admin/webhooks/{hook_id}/disable").status_code == 302
    gen_contact(tenant_a.id, first_name="Anna")
    assert receiver.received == []  # a disabled webhook gets nothing
    assert deliveries(tenant_a.id) == []
    assert client.post(f"/admin/webhooks/{hook_id}/enable").status_code == 302
    gen_contact(tenant_a.id, first_name="Bo")
    assert [body["data"]["first_name"] for body in receiver.accepted()] == ["Bo"]


def test_another_tenants_webhooks_are_not_found(client, tenant_a, tenant_b, receiver):
    hook_id, _secret = register(tenant_a.id, receiver.url)
    receiver.answers = [500, 500, 500]
    gen_contact(tenant_a.id)
    [delivery] = deliveries(tenant_a.id)
    login(client, "admin@beta.example")
    assert client.get(f"/admin/webhooks/{hook_id}/").status_code == 404
    assert client.post(f"/admin/webhooks/{hook_id}/disable").status_code == 404
    assert client.post(f"/admin/webhooks/{hook_id}/enable").status_code == 404
    assert client.post(f"/admin/webhooks/deliveries/{delivery.id}/send-again").status_code == 404
    assert receiver.url not in client.get("/admin/webhooks/").text
    with tenant_context(tenant_a.id):
        assert db.session.get(Webhook, hook_id).active
    assert len(receiver.received) == 3


# --- a lost delivery holds the record's later ones only so long --------------------------

def test_a_lost_delivery_holds_the_later_ones_of_its_record_only_so_long(
        app, client, tenant_a, receiver, monkeypatch):
    """A worker died with the first delivery's job: the second waits its turn, but once
    the first has shown no sign of life for WEBHOOK_ORDER_MAX_WAIT it goes on; the first
    is marked interrupted and is sent again from the log."""
    monkeypatch.setitem(app.config, "WEBHOOK_ORDER_WAIT", 5)
    monkeypatch.setitem(app.config, "WEBHOOK_ORDER_MAX_WAIT", 600)
    hook_id, _secret = register(tenant_a.id, receiver.url)
    with monkeypatch.context() as worker_died:
        worker_died.setattr(jobs, "submit", lambda *_args, **_kwargs: None)
        contact_id = gen_contact(tenant_a.id, first_name="Anna")
    with tenant_context(tenant_a.id):
        contact = db.session.get(Contact, contact_id)
        commit_or_refuse(lambda: setattr(contact, "last_name", "Berg"))
    lost, later = deliveries(tenant_a.id)
    assert receiver.received == [] and (lost.status, later.status) == (PENDING, PENDING)
    run_scheduled(until_empty=False)  # within the longest wait: the later one waits on
    assert receiver.received == [] and later.status == PENDING
    age(tenant_a.id, lost.id, minutes=11)  # quiet for longer than the longest wait
    run_scheduled()
    assert [(b["event"], b["data"]["last_name"]) for b in receiver.accepted()] == [
        ("contact.updated", "Berg")]
    lost, later = deliveries(tenant_a.id)
    assert (lost.status, later.status) == (INTERRUPTED, DELIVERED)
    login(client, "admin@alpha.example")
    log = client.get(f"/admin/webhooks/{hook_id}/").text
    assert "Afbrudt" in log  # "Interrupted", in Danish
    assert f"/admin/webhooks/deliveries/{lost.id}/send-again" in log
    assert client.post(f"/admin/webhooks/deliveries/{lost.id}/send-again").status_code == 302
    assert [b["event"] for b in receiver.accepted()] == ["contact.updated", "contact.created"]
    assert deliveries(tenant_a.id)[0].status == DELIVERED


def test_a_lone_lost_delivery_may_be_sent_again_once_quiet_long_enough(
        app, client, tenant_a, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ORDER_MAX_WAIT", 600)
    hook_id, _secret = register(tenant_a.id, receiver.url)
    with monkeypatch.context() as worker_died:
        worker_died.setattr(jobs, "submit", lambda *_args, **_kwargs: None)
        gen_contact(tenant_a.id)
    [delivery] = deliveries(tenant_a.id)
    send_again = f"/admin/webhooks/deliveries/{delivery.id}/send-again"
    login(client, "admin@alpha.example")
    assert send_again not in client.get(f"/admin/webhooks/{hook_id}/").text  # being sent
    client.post(send_again)
    assert receiver.received == []
    age(tenant_a.id, delivery.id, minutes=11)
    assert send_again in client.get(f"/admin/webhooks/{hook_id}/").text
    assert client.post(send_again).status_code == 302
    assert [b["event"] for b in receiver.accepted()] == ["contact.created"]


def test_a_delivery_being_retried_is_not_taken_for_lost(app, tenant_a, monkeypatch):
    for name, value in {"WEBHOOK_ORDER_MAX_WAIT": 60, "WEBHOOK_RETRY_DELAY": 30,
                        "WEBHOOK_ATTEMPTS": 6, "WEBHOOK_TIMEOUT": 10}.items():
        monkeypatch.setitem(app.config, name, value)
    with app.app_context():  # the longest pause between retries: 30 s × 2⁴, and the answer
        assert webhooks.sending.longest_wait() == timedelta(seconds=490)
        monkeypatch.setitem(app.config, "WEBHOOK_ORDER_MAX_WAIT", 3600)
        assert webhooks.sending.longest_wait() == timedelta(hours=1)


# --- deleting a webhook ------------------------------------------------------------------

def test_a_webhook_is_deleted_after_confirmation_with_its_log(
        app, client, tenant_a, tenant_b, receiver):
    hook_id, _secret = register(tenant_a.id, receiver.url)
    other_id, _other = register(tenant_b.id, receiver.url, admin="admin@beta.example")
    gen_contact(tenant_a.id, first_name="Anna")  # delivered
    with jobs_held() as huey:  # queued behind a busy worker when the webhook goes
        gen_contact(tenant_a.id, first_name="Bo")
        assert [d.status for d in deliveries(tenant_a.id)] == [DELIVERED, PENDING]
        login(client, "admin@alpha.example")
        assert f"/admin/webhooks/{hook_id}/delete" in client.get("/admin/webhooks/").text
        asked = client.get(f"/admin/webhooks/{hook_id}/delete")
        assert asked.status_code == 200
        assert "2 loggede leveringer slettes" in asked.text  # Danish, plural
        assert "1 af dem er ved at blive sendt" in asked.text
        with tenant_context(tenant_a.id):
            assert db.session.get(Webhook, hook_id) is not None  # asking deleted nothing
        deleted = client.post(f"/admin/webhooks/{hook_id}/delete")
        assert deleted.status_code == 302 and deleted.headers["Location"].endswith(
            "/admin/webhooks/")
        while (task := huey.dequeue()) is not None:  # the queued delivery's job runs
            huey.execute(task)
    with tenant_context(tenant_a.id):
        assert db.session.get(Webhook, hook_id) is None
        queued = db.session.scalars(select(Job).where(
            Job.kind == "deliver_webhook").order_by(Job.id)).all()
        assert [(job.state, job.summary) for job in queued][-1] == ("done", {"skipped": 1})
    assert deliveries(tenant_a.id) == []
    assert [b["data"]["first_name"] for b in receiver.accepted()] == ["Anna"]
    gen_contact(tenant_a.id, first_name="Carl")  # nothing more is sent
    assert len(receiver.received) == 1 and deliveries(tenant_a.id) == []
    with tenant_context(tenant_b.id):  # the other tenant's webhook is untouched
        assert db.session.get(Webhook, other_id) is not None


def test_only_a_tenants_administrator_deletes_its_webhooks(client, tenant_a, tenant_b,
                                                           receiver):
    hook_id, _secret = register(tenant_a.id, receiver.url)
    login(client, "user@alpha.example")
    assert client.get(f"/admin/webhooks/{hook_id}/delete").status_code == 403
    assert client.post(f"/admin/webhooks/{hook_id}/delete").status_code == 403
    login(client, "admin@beta.example")
    assert client.get(f"/admin/webhooks/{hook_id}/delete").status_code == 404
    assert client.post(f"/admin/webhooks/{hook_id}/delete").status_code == 404
    with tenant_context(tenant_a.id):
        assert db.session.get(Webhook, hook_id) is not None


def test_deleting_needs_the_csrf_token(app, client, tenant_a, receiver, monkeypatch):
    hook_id, _secret = register(tenant_a.id, receiver.url)
    login(client, "admin@alpha.example")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(f"/admin/webhooks/{hook_id}/delete").status_code in (200, 400)
    with tenant_context(tenant_a.id):
        assert db.session.get(Webhook, hook_id) is not None


# --- the log: paged, pruned --------------------------------------------------------------

def gen_deliveries(tenant_id: int, hook_id: int, count: int, **ago: float) -> None:
    """``count`` delivered deliveries of contact #1 made this long ago (or now)."""
    made = utcnow() - timedelta(**ago)
    with tenant_context(tenant_id):
        db.session.execute(insert(WebhookDelivery), [
            {"tenant_id": tenant_id, "webhook_id": hook_id, "event": "contact.updated",
             "entity": "contact", "record_id": 1, "payload": {"id": f"d{n}"},
             "status": DELIVERED, "attempts": 1, "created_at": made} for n in range(count)])
        db.session.commit()


def delivery_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-delivery="(\d+)"', html)]


def test_the_log_is_paged_newest_first_with_a_fixed_number_of_queries(
        client, tenant_a, receiver):
    hook_id, _secret = register(tenant_a.id, receiver.url)
    gen_deliveries(tenant_a.id, hook_id, 2 * webhooks.PAGE_SIZE + 7)
    with tenant_context(tenant_a.id):
        every = sorted(db.session.scalars(select(WebhookDelivery.id)), reverse=True)
    login(client, "admin@alpha.example")
    url = f"/admin/webhooks/{hook_id}/"
    pages, queries, link = [], [], url
    while link:
        with count_queries() as statements:
            html = client.get(link).text
        pages.append(delivery_ids(html))
        queries.append(len(statements))
        older = re.search(r'rel="next" href="([^"]+)"', html)
        link = older.group(1).replace("&amp;", "&") if older else None
    assert [len(page) for page in pages] == [webhooks.PAGE_SIZE, webhooks.PAGE_SIZE, 7]
    assert sum(pages, []) == every  # newest first, each once
    assert queries[1] == queries[2] and queries[0] <= queries[1] <= 12
    back = client.get(f"{url}?after={pages[2][0]}").text  # "Newer" from the last page
    assert delivery_ids(back) == pages[1]
    assert delivery_ids(client.get(f"{url}?before=x").text) == pages[0]


def test_old_deliveries_are_pruned_by_the_housekeeping(app, tenant_a, tenant_b, receiver,
                                                       monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_LOG_DAYS", 14)
    hook_a, _secret = register(tenant_a.id, receiver.url)
    hook_b, _secret = register(tenant_b.id, receiver.url, admin="admin@beta.example")
    gen_deliveries(tenant_a.id, hook_a, 3, days=15)
    gen_deliveries(tenant_a.id, hook_a, 2, days=13)
    gen_deliveries(tenant_b.id, hook_b, 4, days=20)
    result = app.test_cli_runner().invoke(args=["crm", "prune-jobs"])
    assert result.exit_code == 0, result.output
    assert "Removed 7 webhook deliveries made over 14 days ago." in result.output
    assert len(deliveries(tenant_a.id)) == 2 and deliveries(tenant_b.id) == []
    with tenant_context(tenant_a.id):
        assert db.session.scalar(select(func.count(Webhook.id))) == 1
