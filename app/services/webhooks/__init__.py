"""Webhooks (B15): a tenant's administrator registers URLs for record events; each event
becomes a delivery — a signed JSON body POSTed to the URL by a background job, retried
with backoff, logged, and re-sendable.

- ``events``: the events, made in one place from the change history's entries (every
  path that changes a record — screens, API, import, merge — writes those), each a
  ``WebhookDelivery`` added in the same transaction;
- ``sending``: the URL's safety checks, the signature and one attempt of a delivery;
- ``registry``: the administrator's webhooks and deliveries (register, enable, disable,
  delete, the log a page at a time, send again, pruning).
"""

from app.services.webhooks.events import EVENT_LABELS, EVENTS, install, take_new_deliveries
from app.services.webhooks.registry import (
    PAGE_SIZE,
    DeliveryPage,
    delete_webhook,
    deliveries_page,
    delivery_counts,
    may_send_again,
    prune,
    register,
    send_again,
    set_active,
    webhooks,
)
from app.services.webhooks.sending import Step, attempt, check_url, is_lost, signature

__all__ = ["EVENTS", "EVENT_LABELS", "PAGE_SIZE", "DeliveryPage", "Step", "attempt",
           "check_url", "delete_webhook", "deliveries_page", "delivery_counts", "install",
           "is_lost", "may_send_again", "prune", "register", "send_again", "set_active",
           "signature", "take_new_deliveries", "webhooks"]
