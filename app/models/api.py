"""What the JSON API keeps: the users' API tokens, the answers to POSTs sent with an
Idempotency-Key (so a retried create is not made twice), and the ids other systems
know a contact or organisation by (the sync's matching key)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import utcnow
from app.models.user import User
from app.tenancy import TenantScoped


class ApiToken(TenantScoped, Model):
    """A user's token for the API: shown once when made, kept as its SHA-256 (it is long
    and random, so a fast hash is enough and a lookup by hash finds it). ``prefix`` is
    its visible start, so the user can tell their tokens apart."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()

    def __str__(self) -> str:
        return self.name


class IdempotentRequest(TenantScoped, Model):
    """The first answer to a POST made with an Idempotency-Key, per token: a retry with
    the same key gets it again instead of making the record twice."""

    __tablename__ = "idempotent_request"
    __table_args__ = (UniqueConstraint("token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(
        ForeignKey("api_token.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    # what was asked (method, path and the body's SHA-256): the same key for another
    # request is the caller's mistake, refused rather than answered with the wrong thing
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[int] = mapped_column(Integer, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False, index=True)


class ExternalId(TenantScoped, Model):
    """The id another system knows a contact or organisation by (``system`` names the
    system, e.g. "erp"): one record per system and id in a tenant."""

    __tablename__ = "external_id"
    __table_args__ = (
        UniqueConstraint("tenant_id", "entity", "system", "value"),
        Index("ix_external_id_contact", "contact_id"),
        Index("ix_external_id_organisation", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(20), nullable=False)
    system: Mapped[str] = mapped_column(String(50), nullable=False)
    value: Mapped[str] = mapped_column(String(200), nullable=False)
    # one of the two, by ``entity``: deleted with its record
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"))
