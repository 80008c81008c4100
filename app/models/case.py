"""Cases (C1) and tasks (C2)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import Model
from app.models.base import Timestamped, link_table
from app.models.contact import Contact
from app.models.custom_field import HasCustomFields, custom_values_index
from app.models.dictionary import DictionaryEntry
from app.models.organisation import Organisation
from app.models.user import User
from app.tenancy import TenantScoped

CASE_OPEN = "open"
CASE_CLOSED = "closed"
CASE_REJECTED = "rejected"
CASE_STATUSES = (CASE_OPEN, CASE_CLOSED, CASE_REJECTED)

# Secondary parties of a case; the primary contact is Case.primary_contact.
case_contact = link_table("case_contact", "case", "crm_case", "contact", "contact")


class Case(TenantScoped, Audited, HasCustomFields, Timestamped, Model):
    __tablename__ = "crm_case"  # "case" is a reserved word in SQL
    __custom_entity__ = "case"
    __table_args__ = (UniqueConstraint("tenant_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=CASE_OPEN)
    primary_contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="RESTRICT"), index=True, nullable=False)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    responsible_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("dictionary_entry.id", ondelete="RESTRICT"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    opened_on: Mapped[date] = mapped_column(Date, nullable=False, default=date.today)
    closed_on: Mapped[date | None] = mapped_column(Date)

    primary_contact: Mapped[Contact] = relationship(foreign_keys=[primary_contact_id])
    secondary_contacts: Mapped[list[Contact]] = relationship(
        secondary=case_contact, order_by=(Contact.last_name, Contact.first_name))
    organisation: Mapped[Organisation | None] = relationship()
    responsible_user: Mapped[User | None] = relationship()
    category: Mapped[DictionaryEntry | None] = relationship()

    __audit_relations__ = ("secondary_contacts",)
    __audit_by_key__ = ("custom",)

    def __str__(self) -> str:
        return f"#{self.reference} {self.title}"


class Task(TenantScoped, Audited, HasCustomFields, Timestamped, Model):
    __tablename__ = "task"
    __custom_entity__ = "task"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_id: Mapped[int] = mapped_column(
        ForeignKey("dictionary_entry.id", ondelete="RESTRICT"), index=True, nullable=False)
    priority_id: Mapped[int | None] = mapped_column(
        ForeignKey("dictionary_entry.id", ondelete="RESTRICT"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="RESTRICT"), index=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_case.id", ondelete="RESTRICT"), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    status: Mapped[DictionaryEntry] = relationship(foreign_keys=[status_id])
    priority: Mapped[DictionaryEntry | None] = relationship(foreign_keys=[priority_id])
    assignee: Mapped[User | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    case: Mapped[Case | None] = relationship()

    __audit_by_key__ = ("custom",)

    def __str__(self) -> str:
        return self.title


Index("ix_crm_case_tenant_status", Case.tenant_id, Case.status, Case.opened_on)
# the status last: My tasks counts a user's open tasks from the index alone
Index("ix_task_tenant_assignee_due_status", Task.tenant_id, Task.assignee_id, Task.due_at,
      Task.status_id)
custom_values_index(Case)
custom_values_index(Task)
