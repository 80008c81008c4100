"""Organisations (companies, accounts). Each tenant has one special organisation that
holds all private customers (B2C contacts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, func, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import Model
from app.models.base import SORT_INDEX_HOLDS_ID, Timestamped
from app.models.custom_field import HasCustomFields, custom_values_index
from app.models.tag import Tag, organisation_tag
from app.models.user import User
from app.tenancy import TenantScoped

if TYPE_CHECKING:
    from app.models.contact import Employment


class Address:
    """Postal address columns, shared by organisations and contacts."""

    street: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))

    def address_lines(self) -> list[str]:
        locality = " ".join(part for part in (self.postcode, self.city) if part)
        return [line for line in (self.street, locality, self.country) if line]


class Organisation(TenantScoped, Audited, HasCustomFields, Address, Timestamped, Model):
    __tablename__ = "organisation"
    __custom_entity__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    registration_number: Mapped[str | None] = mapped_column(String(20))
    registration_country: Mapped[str | None] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    industry: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    responsible_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    is_private_customers: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    responsible_user: Mapped[User | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=organisation_tag, order_by=Tag.name)
    employments: Mapped[list[Employment]] = relationship(
        back_populates="organisation", passive_deletes=True
    )

    __audit_relations__ = ("tags",)
    __audit_by_key__ = ("custom",)

    def __str__(self) -> str:
        return self.name


# The organisation list's sort columns (see ix_contact_tenant_last_name).
for _column in (Organisation.name, Organisation.registration_number, Organisation.city,
                Organisation.phone, Organisation.email, Organisation.industry):
    Index(f"ix_organisation_tenant_{_column.key}", Organisation.tenant_id, _column,
          **SORT_INDEX_HOLDS_ID)
# Exactly one private-customers organisation per tenant.
Index(
    "uq_organisation_private_customers",
    Organisation.tenant_id,
    unique=True,
    sqlite_where=Organisation.is_private_customers == true(),
    postgresql_where=Organisation.is_private_customers == true(),
)
Index("ix_organisation_name_lower", func.lower(Organisation.name))
# A user's organisations in id order: the list sorted by responsible user
# (views.relation_sort; see ix_contact_organisation_id).
Index("ix_organisation_responsible_user_id", Organisation.responsible_user_id,
      Organisation.id)
custom_values_index(Organisation)
