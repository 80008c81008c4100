"""Contacts (persons) and their employments with organisations."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import Model
from app.models.base import SORT_INDEX_HOLDS_ID, Timestamped
from app.models.custom_field import HasCustomFields, custom_values_index
from app.models.organisation import Address, Organisation
from app.models.tag import Tag, contact_tag
from app.models.user import User
from app.tenancy import TenantScoped

KIND_COMPANY = "company"  # B2B: always employed by an organisation
KIND_PRIVATE = "private"  # B2C: belongs to the tenant's private-customers organisation
KINDS = (KIND_COMPANY, KIND_PRIVATE)
CONSENT_CHANNELS = ("phone", "email", "letter")


class Consent:
    """May the person be contacted by phone / e-mail / letter, since when, said where."""

    consent_phone: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    consent_phone_date: Mapped[date | None] = mapped_column(Date)
    consent_phone_source: Mapped[str | None] = mapped_column(String(200))
    consent_email: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    consent_email_date: Mapped[date | None] = mapped_column(Date)
    consent_email_source: Mapped[str | None] = mapped_column(String(200))
    consent_letter: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    consent_letter_date: Mapped[date | None] = mapped_column(Date)
    consent_letter_source: Mapped[str | None] = mapped_column(String(200))


class Contact(TenantScoped, Audited, HasCustomFields, Address, Consent, Timestamped, Model):
    __tablename__ = "contact"
    __custom_entity__ = "contact"
    __table_args__ = (UniqueConstraint("tenant_id", "customer_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_number: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default=KIND_COMPANY)
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str] = mapped_column(String(100), nullable=False)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    mobile: Mapped[str | None] = mapped_column(String(20))
    job_title: Mapped[str | None] = mapped_column(String(150))
    birth_date: Mapped[date | None] = mapped_column(Date)
    national_id: Mapped[str | None] = mapped_column(String(20))
    national_id_country: Mapped[str | None] = mapped_column(String(2))
    preferred_language: Mapped[str | None] = mapped_column(String(5))
    website: Mapped[str | None] = mapped_column(String(300))
    photo: Mapped[str | None] = mapped_column(String(200))
    responsible_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # The primary current employment's organisation, kept by services.contacts so lists
    # can show, sort and join it without a query per row (B6).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    address_book_sync: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_private: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # F1: only administrators may read the e-mails linked to this contact.
    email_access_restricted: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default="0")

    responsible_user: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=contact_tag, order_by=Tag.name)
    employments: Mapped[list[Employment]] = relationship(
        back_populates="contact",
        cascade="all, delete-orphan",
        order_by="(Employment.end_date.is_not(None), Employment.start_date.desc())",
    )

    __audit_masked__ = frozenset({"national_id"})
    __audit_relations__ = ("tags",)
    __audit_derived__ = frozenset({"organisation_id"})  # employments are audited
    __audit_by_key__ = ("custom",)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def current_employments(self) -> list[Employment]:
        return [e for e in self.employments if e.is_current]

    @property
    def primary_employment(self) -> Employment | None:
        current = self.current_employments
        return next((e for e in current if e.is_primary), current[0] if current else None)

    @property
    def primary_organisation(self) -> Organisation | None:
        employment = self.primary_employment
        return employment.organisation if employment else None

    def __str__(self) -> str:
        return self.full_name


class Employment(TenantScoped, Audited, Timestamped, Model):
    """A person's job at an organisation; ended jobs stay as history."""

    __tablename__ = "employment"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True, nullable=False
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True, nullable=False
    )
    title: Mapped[str | None] = mapped_column(String(150))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    is_primary: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    contact: Mapped[Contact] = relationship(back_populates="employments")
    organisation: Mapped[Organisation] = relationship(back_populates="employments")

    @property
    def is_current(self) -> bool:
        return self.end_date is None or self.end_date >= date.today()

    def __str__(self) -> str:
        return f"{self.organisation}" + (f" ({self.title})" if self.title else "")


# E-mail unique per tenant whatever its case; contacts without e-mail are allowed.
Index("uq_contact_tenant_email_lower", Contact.tenant_id, func.lower(Contact.email), unique=True)
# Every column the contact list sorts by has a (tenant, column) index, read forwards or
# backwards for either direction (customer_number: its unique constraint). A page's ids
# are read from the index alone (SORT_INDEX_HOLDS_ID): a deep page walks up to 10,000
# entries, which on PostgreSQL meant as many visits to the table (12 ms at a million).
Index("ix_contact_tenant_last_name", Contact.tenant_id, Contact.last_name, Contact.first_name,
      **SORT_INDEX_HOLDS_ID)
for _column in (Contact.phone, Contact.mobile, Contact.first_name, Contact.email, Contact.kind):
    Index(f"ix_contact_tenant_{_column.key}", Contact.tenant_id, _column, **SORT_INDEX_HOLDS_ID)
custom_values_index(Contact)
# A related record's contacts in id order: the list sorted by organisation or by
# responsible user reads a page's ids one related record after another
# (views.relation_sort); PostgreSQL's plain (organisation_id) index gave them unordered.
for _relation in (Contact.organisation_id, Contact.responsible_user_id):
    Index(f"ix_contact_{_relation.key}", _relation, Contact.id)
# The list search matches any part of names, e-mail and phone digits (LIKE '%…%'); on
# PostgreSQL trigram indexes answer that without reading every row of the tenant.
for _column in (Contact.last_name, Contact.first_name, Contact.email):
    _expression = func.lower(_column).label(f"lower_{_column.key}")
    Index(f"ix_contact_{_column.key}_trigram", _expression, postgresql_using="gin",
          postgresql_ops={_expression.name: "gin_trgm_ops"}).ddl_if(dialect="postgresql")
for _column in (Contact.phone, Contact.mobile):
    Index(f"ix_contact_{_column.key}_trigram", _column, postgresql_using="gin",
          postgresql_ops={_column.key: "gin_trgm_ops"}).ddl_if(dialect="postgresql")
