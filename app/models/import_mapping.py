"""Saved import mappings: which field each column of a file goes to, kept per tenant
under a name so the next file from the same system imports without mapping again."""

from __future__ import annotations

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.base import Timestamped
from app.tenancy import TenantScoped

IMPORT_KINDS = ("contacts", "organisations")


class ImportMapping(TenantScoped, Timestamped, Model):
    __tablename__ = "import_mapping"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    # {column header as the file names it: field key ("" = not imported)}
    columns: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)

    def __str__(self) -> str:
        return self.name
