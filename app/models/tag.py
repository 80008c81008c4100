"""Tags ("infotags") of a tenant, put on contacts and organisations."""

from __future__ import annotations

from sqlalchemy import Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.base import Timestamped, link_table
from app.tenancy import TenantScoped

DEFAULT_TAG_COLOUR = "#6c757d"


class Tag(TenantScoped, Timestamped, Model):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    colour: Mapped[str] = mapped_column(String(7), nullable=False, default=DEFAULT_TAG_COLOUR)

    def __str__(self) -> str:
        return self.name


Index("uq_tag_tenant_name_lower", Tag.tenant_id, func.lower(Tag.name), unique=True)

contact_tag = link_table("contact_tag", "contact", "contact", "tag", "tag")

organisation_tag = link_table("organisation_tag", "organisation", "organisation", "tag", "tag")
