"""One attempt of a delivery: the URL checked (http(s) only; no loopback or private
address unless WEBHOOK_ALLOW_PRIVATE, against server-side request forgery), the body
signed, POSTed to the address just checked (so a name resolving elsewhere on the second
lookup gains nothing), with a timeout and no redirect followed; then the outcome kept.

The signature: ``X-Kontakt-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">``
with the webhook's secret, the timestamp (Unix seconds) in ``X-Kontakt-Timestamp``."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import SplitResult, urlsplit

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.extensions import db
from app.models.base import utcnow
from app.models.webhook import (
    DELIVERED,
    FAILED,
    INTERRUPTED,
    PENDING,
    Webhook,
    WebhookDelivery,
)
from app.services.errors import ServiceError
from app.services.times import to_utc

EXCERPT = 500  # characters of the receiver's answer kept
USER_AGENT = "Kontakt-CRM-Webhooks/1"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return not ip.is_global or ip.is_multicast


def check_url(url: str) -> tuple[SplitResult, str]:
    """The URL's parts and the address to connect to; refused (ServiceError on the
    ``url`` field) when it is not http(s), not found, or private and not allowed."""
    parts = urlsplit((url or "").strip())
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = 0
    if parts.scheme not in ("http", "https") or not parts.hostname or not port \
            or parts.username or parts.password:
        raise ServiceError(_l("Enter an address beginning with http:// or https://."),
                           field="url")
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise ServiceError(_l("The address could not be found."), field="url") from None
    addresses = [str(info[4][0]) for info in found]
    if not current_app.config["WEBHOOK_ALLOW_PRIVATE"] \
            and any(_is_private(address) for address in addresses):
        raise ServiceError(_l("The address is in a private network; webhooks are sent to "
                              "public addresses only."), field="url")
    return parts, addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address checked, not to a new lookup of the name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    parts, address = check_url(url)
    pinned = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    port = parts.port or (443 if parts.scheme == "https" else 80)
    connection = pinned(parts.hostname or "", port, address,
                        float(current_app.config["WEBHOOK_TIMEOUT"]))
    path = parts.path or "/"
    try:
        connection.request("POST", f"{path}?{parts.query}" if parts.query else path,
                           body=body, headers=headers)
        response = connection.getresponse()  # a redirect is an answer like any other
        text = response.read(EXCERPT * 4).decode("utf-8", "replace")[:EXCERPT]
        return response.status, text
    finally:
        connection.close()


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()


def _send(hook: Webhook, delivery: WebhookDelivery) -> tuple[int | None, str]:
    """(the answer's status, its start) or (None, why there was no answer)."""
    body, timestamp = body_of(delivery), str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               "X-Kontakt-Event": delivery.event, "X-Kontakt-Delivery": delivery.uid,
               "X-Kontakt-Timestamp": timestamp,
               "X-Kontakt-Signature": signature(hook.secret, timestamp, body)}
    try:
        return _post(hook.url, body, headers)
    except ServiceError as refused:
        return None, str(refused)
    except TimeoutError:
        return None, _("No answer in time.")
    except (OSError, http.client.HTTPException) as exc:
        return None, _("No connection: %(reason)s", reason=type(exc).__name__)


@dataclass(frozen=True)
class Step:
    """What the job does next: nothing (``again`` False), or run again in ``delay``
    seconds (None: the queue's own retry delay) with ``message`` shown meanwhile."""

    again: bool = False
    delay: float | None = None
    message: str = ""


def longest_wait() -> timedelta:
    """How long a pending delivery may show no sign of life before it counts as lost
    (its job gone with a worker that died): WEBHOOK_ORDER_MAX_WAIT, but never shorter
    than the longest pause between two attempts of a delivery being retried, so that
    one is not taken for lost."""
    config = current_app.config
    pause = float(config["WEBHOOK_RETRY_DELAY"]) * 2 ** max(int(config["WEBHOOK_ATTEMPTS"]) - 2, 0)
    return timedelta(seconds=max(float(config["WEBHOOK_ORDER_MAX_WAIT"]),
                                 pause + float(config["WEBHOOK_TIMEOUT"])))


def is_lost(delivery: WebhookDelivery) -> bool:
    """A pending delivery quiet for longer than :func:`longest_wait`."""
    last_seen = to_utc(delivery.active_at or delivery.created_at)
    return delivery.status == PENDING and last_seen < utcnow() - longest_wait()


def _earlier_pending(delivery: WebhookDelivery) -> bool:
    """Whether an earlier delivery of the same record is still to go first. Earlier
    ones that are lost are marked interrupted (to be sent again from the log) and no
    longer waited for: a dead worker must not hold the record's events for ever."""
    earlier = (WebhookDelivery.webhook_id == delivery.webhook_id,
               WebhookDelivery.entity == delivery.entity,
               WebhookDelivery.record_id == delivery.record_id,
               WebhookDelivery.id < delivery.id, WebhookDelivery.status == PENDING)
    last_seen = func.coalesce(WebhookDelivery.active_at, WebhookDelivery.created_at)
    db.session.execute(
        update(WebhookDelivery).where(*earlier, last_seen < utcnow() - longest_wait())
        .values(status=INTERRUPTED, response_excerpt=_(
            "Its sending was interrupted; later deliveries of the record went on.")),
        execution_options={"synchronize_session": "fetch"})
    return db.session.scalar(select(WebhookDelivery.id).where(*earlier).limit(1)) is not None


def _seconds(name: str, attempts: int = 1) -> float | None:
    """The setting's delay, doubled per attempt after the first; 0 → the queue's own."""
    delay = float(current_app.config[name]) * 2 ** max(attempts - 1, 0)
    return delay or None


def attempt(delivery: WebhookDelivery) -> Step:
    """Send the delivery once, in its turn, and record the outcome (the caller commits)."""
    hook = delivery.webhook
    if delivery.status != PENDING:
        return Step()
    if not hook.active:
        delivery.status, delivery.response_excerpt = FAILED, _("The webhook is disabled.")
        return Step()
    delivery.active_at = utcnow()
    if _earlier_pending(delivery):  # the same record's earlier event goes first
        return Step(True, _seconds("WEBHOOK_ORDER_WAIT"),
                    _("Waiting for an earlier delivery of the same record."))
    delivery.attempts += 1
    delivery.response_status, excerpt = _send(hook, delivery)
    delivery.response_excerpt = excerpt
    if delivery.response_status is not None and 200 <= delivery.response_status < 300:
        delivery.status, delivery.delivered_at, hook.failures = DELIVERED, utcnow(), 0
        return Step()
    if delivery.attempts < int(current_app.config["WEBHOOK_ATTEMPTS"]):
        return Step(True, _seconds("WEBHOOK_RETRY_DELAY", delivery.attempts),
                    _("The receiver did not accept the delivery; it will be tried again."))
    _give_up(hook, delivery)
    return Step()


def _give_up(hook: Webhook, delivery: WebhookDelivery) -> None:
    delivery.status = FAILED
    hook.failures += 1
    if hook.active and hook.failures >= int(current_app.config["WEBHOOK_DISABLE_AFTER"]):
        hook.active, hook.disabled_at = False, utcnow()

