"""Webhook deliveries as background jobs: the ``deliver_webhook`` kind, and its
submission at commit for every delivery the transaction made or re-sent (what
app.services.webhooks noted while the history was written).

A delivery's job runs as the user who registered the webhook (a job has a user); if
that user is gone or deactivated, as one of the tenant's active administrators. A
receiver that fails is tried again with backoff (``jobs.TryLater``: the attempt is kept,
the job queued again); a delivery behind an earlier pending one of the same record
waits its turn the same way. Unexpected failures get the queue's own retries."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app import jobs
from app.extensions import db
from app.models import User, Webhook, WebhookDelivery
from app.models.job import Job
from app.models.user import ROLE_ADMIN
from app.services import webhooks
from app.tenancy import tenant_context

KIND = "deliver_webhook"


@jobs.kind(KIND, label=_l("Delivering a webhook"), retries=2,
           retry_delay="WEBHOOK_RETRY_DELAY", listed=False)
def deliver_webhook_job(job: Job, progress: jobs.Progress, delivery_id: int
                        ) -> dict[str, Any]:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    progress.total(1)
    if delivery is None:  # its webhook was removed meanwhile
        return {"skipped": 1}
    step = webhooks.attempt(delivery)
    if step.again:
        raise jobs.TryLater(step.message, step.delay)
    progress.advance()
    return {"status": delivery.status, "attempts": delivery.attempts}


def _runner(hook: Webhook) -> User | None:
    """The user the delivery's job runs as."""
    user = hook.created_by
    if user is not None and user.active:
        return user
    return db.session.scalars(select(User).where(
        User.role == ROLE_ADMIN, User.active.is_(True)).order_by(User.id).limit(1)).first()


def _submit(session: Session) -> None:
    """Before commit: a job per delivery made in this transaction (the commit's own
    flush comes after this hook: flushed here first, so its events are in)."""
    session.flush()
    ids = webhooks.take_new_deliveries(session)
    if not ids:
        return
    table = WebhookDelivery.__table__
    rows = session.connection().execute(select(table.c.id, table.c.tenant_id,
                                               table.c.webhook_id).where(table.c.id.in_(ids)))
    for delivery_id, tenant_id, webhook_id in sorted(rows):
        with tenant_context(tenant_id):
            hook = db.session.get(Webhook, webhook_id)
            user = _runner(hook) if hook is not None else None
            if user is not None:
                jobs.submit(KIND, user=user, delivery_id=delivery_id)


def init_app(app: Flask) -> None:
    webhooks.install()
    if not event.contains(Session, "before_commit", _submit):
        event.listen(Session, "before_commit", _submit)
