"""The administrator's webhooks: registered (the secret returned once), listed, enabled
and disabled; their deliveries listed and sent again."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.models.base import utcnow
from app.models.webhook import PENDING, Webhook, WebhookDelivery
from app.services.errors import ServiceError
from app.services.webhooks.events import EVENTS, due, forget_subscribers
from app.services.webhooks.sending import check_url

SECRET_START = "whsec_"
MOST_PER_TENANT = 20
URL_LENGTH = 500  # the column's
LOG_SIZE = 100  # deliveries shown per webhook, newest first


def webhooks() -> list[Webhook]:
    return list(db.session.scalars(select(Webhook).order_by(Webhook.created_at, Webhook.id)))


def deliveries_of(hook: Webhook, limit: int = LOG_SIZE) -> list[WebhookDelivery]:
    return list(db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
        .order_by(WebhookDelivery.id.desc()).limit(limit)))


def register(url: str, events: Iterable[str], user: User) -> tuple[Webhook, str]:
    """A new webhook of the user's tenant: the record and its secret (shown once)."""
    url, chosen = (url or "").strip(), sorted(set(events or ()))
    if len(url) > URL_LENGTH:
        raise ServiceError(_l("The address is too long."), field="url")
    check_url(url)
    if not chosen or not set(chosen) <= set(EVENTS):
        raise ServiceError(_l("Choose at least one event."), field="events")
    if len(webhooks()) >= MOST_PER_TENANT:
        raise ServiceError(_l("There are %(count)s webhooks already: remove one first.",
                              count=MOST_PER_TENANT), field="url")
    secret = SECRET_START + secrets.token_urlsafe(32)
    hook = Webhook(url=url, events=chosen, secret=secret, active=True, failures=0,
                   created_by_id=user.id, tenant_id=user.tenant_id)
    db.session.add(hook)
    forget_subscribers(db.session())
    return hook, secret


def set_active(hook: Webhook, active: bool) -> Webhook:
    """Enable (its failures forgiven) or disable a webhook."""
    hook.active = active
    hook.failures = 0 if active else hook.failures
    hook.disabled_at = None if active else utcnow()
    forget_subscribers(db.session())
    return hook


def send_again(delivery: WebhookDelivery) -> WebhookDelivery:
    """Deliver once more, with all its attempts (its job is submitted at commit)."""
    if not delivery.webhook.active:
        raise ServiceError(_l("The webhook is disabled: enable it to send again."))
    if delivery.status == PENDING:
        raise ServiceError(_l("The delivery is being sent already."))
    delivery.status, delivery.attempts = PENDING, 0
    delivery.response_status = delivery.response_excerpt = delivery.delivered_at = None
    due(db.session(), delivery.id)
    return delivery
