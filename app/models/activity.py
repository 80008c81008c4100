"""Activities (section E): notes, meetings, e-mails, calls and letters with a
counterparty organisation and its contact persons, planned or done; and the files
attached to contacts, organisations, cases and activities (D6)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import Model
from app.models.base import Timestamped, link_table, utcnow
from app.models.case import Case
from app.models.contact import Contact
from app.models.custom_field import HasCustomFields, custom_values_index
from app.models.dictionary import DictionaryEntry
from app.models.organisation import Organisation
from app.models.sales import Project
from app.models.user import User
from app.tenancy import TenantScoped

NOTE = "note"
MEETING = "meeting"
EMAIL = "email"
CALL = "call"
LETTER = "letter"
KINDS = (NOTE, MEETING, EMAIL, CALL, LETTER)

CALL_IN = "in"
CALL_OUT = "out"

MAIL_DRAFT = "draft"
MAIL_SENDING = "sending"  # saved, handed to the background job that sends it
MAIL_SENT = "sent"
MAIL_NOT_SENT = "not_sent"  # no mail server configured, or it refused the message
MAIL_RECEIVED = "received"

# The contact persons taking part (for e-mails: every contact whose address appears).
activity_contact = link_table("activity_contact", "activity", "activity", "contact", "contact")


class Activity(TenantScoped, Audited, HasCustomFields, Timestamped, Model):
    __tablename__ = "activity"
    __custom_entity__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    # How the activity behaves (one of KINDS); ``kind_key`` names the tenant's own kind
    # (its activity-kind dictionary entry, E8) when it is not one of KINDS itself.
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default=NOTE)
    kind_key: Mapped[str | None] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    body: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True, nullable=False)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_case.id", ondelete="RESTRICT"), index=True)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="RESTRICT"), index=True)
    employee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    priority_id: Mapped[int | None] = mapped_column(
        ForeignKey("dictionary_entry.id", ondelete="RESTRICT"), index=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("dictionary_entry.id", ondelete="RESTRICT"), index=True)
    planned: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    completed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    follow_up_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity.id", ondelete="SET NULL"), index=True)
    # meeting
    location: Mapped[str | None] = mapped_column(String(300))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # call
    direction: Mapped[str | None] = mapped_column(String(3))
    phone_number: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(300))
    # e-mail
    mail_from: Mapped[str | None] = mapped_column(String(254))
    mail_to: Mapped[str | None] = mapped_column(Text)  # addresses, comma-separated
    mail_cc: Mapped[str | None] = mapped_column(Text)
    mail_status: Mapped[str | None] = mapped_column(String(10))
    mail_note: Mapped[str | None] = mapped_column(String(500))  # why it was not sent
    message_id: Mapped[str | None] = mapped_column(String(300))

    organisation: Mapped[Organisation] = relationship()
    case: Mapped[Case | None] = relationship()
    project: Mapped[Project | None] = relationship()
    employee: Mapped[User | None] = relationship()
    priority: Mapped[DictionaryEntry | None] = relationship(foreign_keys=[priority_id])
    category: Mapped[DictionaryEntry | None] = relationship(foreign_keys=[category_id])
    contacts: Mapped[list[Contact]] = relationship(
        secondary=activity_contact, order_by=(Contact.last_name, Contact.first_name))
    follow_up: Mapped[Activity | None] = relationship(remote_side=[id])

    __audit_relations__ = ("contacts",)
    __audit_by_key__ = ("custom",)

    @hybrid_property
    def type_key(self) -> str:
        """The kind the tenant sees: its own kind's key, else the program's kind."""
        return self.kind_key or self.kind

    @type_key.inplace.expression
    @classmethod
    def _type_key_expression(cls):
        return func.coalesce(cls.kind_key, cls.kind)

    def __str__(self) -> str:
        return self.subject or self.kind


class Attachment(TenantScoped, Audited, Timestamped, Model):
    """A file on a contact, an organisation, a case or an activity (exactly one)."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_case.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)  # sanitised
    stored_name: Mapped[str] = mapped_column(String(64), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))

    contact: Mapped[Contact | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    case: Mapped[Case | None] = relationship()
    activity: Mapped[Activity | None] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return self.filename


# The list's default order (newest first, id breaking ties) and its other sort columns.
Index("ix_activity_tenant_starts_id", Activity.tenant_id, Activity.starts_at, Activity.id)
for _column in (Activity.kind, Activity.subject, Activity.planned, Activity.completed):
    Index(f"ix_activity_tenant_{_column.key}", Activity.tenant_id, _column)
Index("ix_activity_tenant_employee_planned", Activity.tenant_id, Activity.employee_id,
      Activity.planned, Activity.starts_at)
custom_values_index(Activity)
