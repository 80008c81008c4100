"""The administrator's webhooks: registered (the secret returned once), listed, enabled,
disabled and deleted; their deliveries listed a page at a time, sent again, and pruned
after WEBHOOK_LOG_DAYS."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import CursorResult, delete, func, select

from app.extensions import db
from app.models import User
from app.models.base import utcnow
from app.models.webhook import PENDING, Webhook, WebhookDelivery
from app.services.errors import ServiceError
from app.services.webhooks.events import EVENTS, due, forget_subscribers
from app.services.webhooks.sending import check_url, is_lost
from app.tenancy import all_tenants

SECRET_START = "whsec_"
MOST_PER_TENANT = 20
URL_LENGTH = 500  # the column's
PAGE_SIZE = 50  # deliveries per page of a webhook's log


def webhooks() -> list[Webhook]:
    return list(db.session.scalars(select(Webhook).order_by(Webhook.created_at, Webhook.id)))


@dataclass(frozen=True)
class DeliveryPage:
    """A page of a webhook's log, newest first, and whether there are newer and older
    deliveries beyond it (the links go by the first and last rows' ids)."""

    rows: list[WebhookDelivery]
    newer: bool
    older: bool


def deliveries_page(hook: Webhook, *, before: int | None = None, after: int | None = None,
                    size: int = PAGE_SIZE) -> DeliveryPage:
    """The deliveries older than ``before``, or else those just newer than ``after``,
    or else the newest: two queries at most, at any depth of the log (keyset paging)."""
    of_hook = select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
    newest_first = after is None
    if before is not None:
        of_hook = of_hook.where(WebhookDelivery.id < before)
    elif after is not None:
        of_hook = of_hook.where(WebhookDelivery.id > after)
    order = WebhookDelivery.id.desc() if newest_first else WebhookDelivery.id.asc()
    found = list(db.session.scalars(of_hook.order_by(order).limit(size + 1)))
    more = len(found) > size
    rows = found[:size] if newest_first else found[:size][::-1]
    if not rows or (before is None and after is None):
        return DeliveryPage(rows, newer=False, older=more)
    beyond = (WebhookDelivery.id > rows[0].id) if newest_first \
        else (WebhookDelivery.id < rows[-1].id)
    other_side = db.session.scalar(select(WebhookDelivery.id).where(
        WebhookDelivery.webhook_id == hook.id, beyond).limit(1)) is not None
    return DeliveryPage(rows, newer=other_side, older=more) if newest_first \
        else DeliveryPage(rows, newer=more, older=other_side)


def delivery_counts(hook: Webhook) -> tuple[int, int]:
    """(deliveries logged, of them still being sent) — what deleting it removes."""
    total, pending = db.session.execute(select(
        func.count(WebhookDelivery.id),
        func.count(WebhookDelivery.id).filter(WebhookDelivery.status == PENDING)).where(
        WebhookDelivery.webhook_id == hook.id)).one()
    return int(total), int(pending)


def register(url: str, events: Iterable[str], user: User) -> tuple[Webhook, str]:
    """A new webhook of the user's tenant: the record and its secret (shown once)."""
    url, chosen = (url or "").strip(), sorted(set(events or ()))
    if len(url) > URL_LENGTH:
        raise ServiceError(_l("The address is too long."), field="url")
    check_url(url)
    if not chosen or not set(chosen) <= set(EVENTS):
        raise ServiceError(_l("Choose at least one event."), field="events")
    if len(webhooks()) >= MOST_PER_TENANT:
        raise ServiceError(lazy_ngettext("There is %(num)d webhook already: remove it first.",
                                         "There are %(num)d webhooks already: remove one first.",
                                         MOST_PER_TENANT), field="url")
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


def delete_webhook(hook: Webhook) -> int:
    """Remove a webhook with its deliveries log (the bodies hold personal data, and a
    log of a webhook gone serves nothing); how many deliveries went. Nothing more is
    delivered to it: a queued delivery's job finds its delivery gone and ends quietly."""
    result = db.session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id),
        execution_options={"synchronize_session": False})
    db.session.delete(hook)
    forget_subscribers(db.session())
    return cast(CursorResult, result).rowcount  # a DELETE's result is a cursor's


def may_send_again(delivery: WebhookDelivery) -> bool:
    """Ended (delivered, failed, interrupted), or pending but lost."""
    return delivery.status != PENDING or is_lost(delivery)


def send_again(delivery: WebhookDelivery) -> WebhookDelivery:
    """Deliver once more, with all its attempts (its job is submitted at commit)."""
    if not delivery.webhook.active:
        raise ServiceError(_l("The webhook is disabled: enable it to send again."))
    if not may_send_again(delivery):
        raise ServiceError(_l("The delivery is being sent already."))
    delivery.status, delivery.attempts = PENDING, 0
    delivery.response_status = delivery.response_excerpt = delivery.delivered_at = None
    delivery.active_at = utcnow()  # due again now: not lost, whatever its age
    due(db.session(), delivery.id)
    return delivery


def prune(keep_days: int) -> int:
    """Remove the deliveries (of every tenant) made more than ``keep_days`` ago, in
    whatever state: the log is for recent trouble. The caller commits; how many."""
    cutoff = utcnow() - timedelta(days=keep_days)
    with all_tenants():
        result = db.session.execute(
            delete(WebhookDelivery).where(WebhookDelivery.created_at < cutoff),
            execution_options={"synchronize_session": False})
    return cast(CursorResult, result).rowcount
