"""A tenant: one customer organisation of the deployment, owning all its records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.base import Timestamped

TERM_CONTACT = "contact"
TERM_CUSTOMER = "customer"

# Every per-tenant setting with its default; read through Tenant.setting().
DEFAULT_SETTINGS: dict[str, Any] = {
    "contact_term": TERM_CONTACT,  # are persons called contacts or customers (A2)
    "users_edit_contacts": True,  # may ordinary users create/edit/delete contacts (A3)
    "users_edit_organisations": True,  # … and organisations (A3)
    "unique_contact_id": False,  # contacts get a customer number (A4)
    "email_required": True,  # a contact must have an e-mail address (B2)
    # letters' letterhead (E9): sender_name, sender_address, footer, logo (a stored file
    # name); read through services.letters, which copies it (the default is shared)
    "letterhead": {},
}


class Tenant(Timestamped, Model):
    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    slug: Mapped[str] = mapped_column(String(63), unique=True, nullable=False)
    default_language: Mapped[str] = mapped_column(String(5), nullable=False, default="en")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    # Secret of the tenant's lead-intake URL (/intake/<slug>/lead?token=…); None: closed.
    intake_token: Mapped[str | None] = mapped_column(String(64))
    # Counted up in every flush that changes one of the tenant's configurable field
    # sections, fields or choices (services.fields.kept): each process keeps the
    # definitions it read until the revision it reads with the user has moved on.
    fields_revision: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                 server_default="0")

    def setting(self, key: str) -> Any:
        """The tenant's value for a setting, or the product default."""
        if key not in DEFAULT_SETTINGS:
            raise KeyError(key)
        return (self.settings or {}).get(key, DEFAULT_SETTINGS[key])

    def __str__(self) -> str:
        return self.name
