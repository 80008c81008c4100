"""The change history: one row per create, update or delete of an audited record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, DateTime, ForeignKey, Index, Integer, String, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import ACTION_CREATE, ACTION_DELETE, ACTION_UPDATE
from app.extensions import Model
from app.models.base import utcnow
from app.models.user import User
from app.tenancy import TenantScoped

ACTION_ERASE = "erase"  # a person's data erased (F4): the entry holds no values
# a duplicate merged into the record (B16): its name under "merged_from"
ACTION_MERGE = "merge"

__all__ = ["ACTION_CREATE", "ACTION_DELETE", "ACTION_ERASE", "ACTION_MERGE", "ACTION_UPDATE",
           "AuditEntry"]


class AuditEntry(TenantScoped, Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    entity: Mapped[str] = mapped_column(String(50), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(10), nullable=False)
    # {field: [old, new]} — values as shown to people, sensitive ones masked
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)

    user: Mapped[User | None] = relationship()

    @staticmethod
    def about(model: type[Any], ids: Any) -> ColumnElement[bool]:
        """Entries of the records of ``model`` whose ids ``ids`` (a list or a select) names."""
        return and_(AuditEntry.entity == model.__tablename__, AuditEntry.record_id.in_(ids))


Index("ix_audit_entry_record", AuditEntry.tenant_id, AuditEntry.entity, AuditEntry.record_id)
Index("ix_audit_entry_tenant_created", AuditEntry.tenant_id, AuditEntry.created_at)
