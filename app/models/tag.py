"""Tags ("infotags") of a tenant, put on contacts and organisations."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, func
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Timestamped
from app.tenancy import TenantScoped

DEFAULT_TAG_COLOUR = "#6c757d"


class Tag(TenantScoped, Timestamped, db.Model):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    colour: Mapped[str] = mapped_column(String(7), nullable=False, default=DEFAULT_TAG_COLOUR)

    def __str__(self) -> str:
        return self.name


Index("uq_tag_tenant_name_lower", Tag.tenant_id, func.lower(Tag.name), unique=True)

contact_tag = Table(
    "contact_tag",
    db.metadata,
    Column("contact_id", ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)

organisation_tag = Table(
    "organisation_tag",
    db.metadata,
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"),
           primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)
