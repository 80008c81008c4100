"""Leads (B14): enquiries that arrive by hand or from a website, accepted into a
contact with a case, or rejected with a reason."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import Model
from app.models.base import Timestamped, utcnow
from app.models.case import Case
from app.models.contact import Contact
from app.models.user import User
from app.tenancy import TenantScoped

LEAD_NEW = "new"
LEAD_ACCEPTED = "accepted"
LEAD_REJECTED = "rejected"
LEAD_STATUSES = (LEAD_NEW, LEAD_ACCEPTED, LEAD_REJECTED)


class Lead(TenantScoped, Audited, Timestamped, Model):
    __tablename__ = "lead"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    company: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=LEAD_NEW)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_case.id", ondelete="SET NULL"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    contact: Mapped[Contact | None] = relationship()
    case: Mapped[Case | None] = relationship()
    decided_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"{self.name} ({self.company})" if self.company else self.name


Index("ix_lead_tenant_status", Lead.tenant_id, Lead.status, Lead.received_at)
