"""Pairs of records a user has said are not duplicates of each other (B16): the
duplicates screen hides them. A pair is stored once, its lower id first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.extensions import Model
from app.models.base import utcnow
from app.tenancy import TenantScoped


class DistinctPair(TenantScoped):
    """What both kinds of mark share; ``__target__`` names the table of the pair."""

    __target__: str

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False)

    @declared_attr
    def first_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr receives the class
        # a mark dies with either record: it says nothing about any other
        return mapped_column(ForeignKey(f"{cls.__target__}.id", ondelete="CASCADE"),
                             nullable=False)

    @declared_attr
    def second_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey(f"{cls.__target__}.id", ondelete="CASCADE"),
                             nullable=False, index=True)

    @declared_attr
    def marked_by_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    @declared_attr.directive
    def __table_args__(cls) -> tuple:  # noqa: N805
        return (UniqueConstraint("tenant_id", "first_id", "second_id"),
                CheckConstraint("first_id < second_id", name="order"))


class DistinctContacts(DistinctPair, Model):
    __tablename__ = "distinct_contacts"
    __target__ = "contact"


class DistinctOrganisations(DistinctPair, Model):
    __tablename__ = "distinct_organisations"
    __target__ = "organisation"


# "Which pairs name this record" reads both columns (the unique one leads with tenant_id).
Index("ix_distinct_contacts_first", DistinctContacts.first_id)
Index("ix_distinct_organisations_first", DistinctOrganisations.first_id)
