"""Webhooks (B15): the URLs a tenant's administrator registered for record events, and
each delivery of an event to one of them — its signed body, state and attempts — so that
the administrator sees what was sent and what the receiver answered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import utcnow
from app.models.user import User
from app.tenancy import TenantScoped

# A delivery is pending until the receiver answered 2xx (delivered) or it was given up;
# interrupted: its job was lost (a worker died) and later ones of its record went on.
PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
INTERRUPTED = "interrupted"
DELIVERY_STATES = (PENDING, DELIVERED, FAILED, INTERRUPTED)


class Webhook(TenantScoped, Model):
    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    # the events it receives, e.g. ["contact.created", "case.updated"]
    events: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # the key of its HMAC signatures: shown once to the administrator, kept to sign
    secret: Mapped[str] = mapped_column(String(80), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # deliveries given up in a row: at WEBHOOK_DISABLE_AFTER the webhook is disabled
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the deliveries run as this user (a background job has a user); kept when deleted
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False)

    created_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(TenantScoped, Model):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # the per-record order: an earlier pending delivery of the same record waits
        Index("ix_webhook_delivery_record", "webhook_id", "entity", "record_id", "id"),
        Index("ix_webhook_delivery_webhook_created", "webhook_id", "created_at"),
        # the hourly pruning of old deliveries, across tenants
        Index("ix_webhook_delivery_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(
        ForeignKey("webhook.id", ondelete="CASCADE"), nullable=False)
    event: Mapped[str] = mapped_column(String(40), nullable=False)
    entity: Mapped[str] = mapped_column(String(50), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    # the body sent, as JSON (its "id" is the delivery's id for the receiver)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    response_status: Mapped[int | None] = mapped_column(Integer)
    # the start of the receiver's answer, or why there was none (timeout, refused …)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # when its job last ran (an attempt, or a wait for its turn) or it was sent again:
    # a pending delivery quiet for longer than WEBHOOK_ORDER_MAX_WAIT lost its job
    active_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    webhook: Mapped[Webhook] = relationship()

    @property
    def uid(self) -> str:
        return str(self.payload.get("id", self.id))
