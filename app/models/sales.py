"""Opportunities, campaigns and projects (D10): what a contact takes part in besides
cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import Model
from app.models.base import Timestamped, link_table
from app.models.contact import Contact
from app.models.organisation import Organisation
from app.models.user import User
from app.tenancy import TenantScoped

STAGES = ("prospect", "qualified", "proposal", "negotiation", "won", "lost")
CURRENCIES = ("DKK", "SEK", "PLN", "EUR", "NOK", "USD", "GBP")

campaign_contact = link_table("campaign_contact", "campaign", "campaign", "contact", "contact")
project_contact = link_table("project_contact", "project", "project", "contact", "contact")


class Opportunity(TenantScoped, Audited, Timestamped, Model):
    __tablename__ = "opportunity"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="DKK")
    stage: Mapped[str] = mapped_column(String(20), nullable=False, default=STAGES[0])
    expected_close_on: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)

    organisation: Mapped[Organisation | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    owner: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return self.title


class Campaign(TenantScoped, Audited, Timestamped, Model):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)

    participants: Mapped[list[Contact]] = relationship(
        secondary=campaign_contact, order_by=(Contact.last_name, Contact.first_name))

    __audit_relations__ = ("participants",)

    def __str__(self) -> str:
        return self.name


class Project(TenantScoped, Audited, Timestamped, Model):
    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    description: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation | None] = relationship()
    owner: Mapped[User | None] = relationship()
    participants: Mapped[list[Contact]] = relationship(
        secondary=project_contact, order_by=(Contact.last_name, Contact.first_name))

    __audit_relations__ = ("participants",)

    def __str__(self) -> str:
        return self.name
