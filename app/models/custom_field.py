"""Configurable fields (A5, G3): per tenant, sections of fields an administrator defines
for an entity (contacts, organisations, later cases and activities).

Definitions live in tables; the values of a record live in its ``custom`` JSON column
(JSONB with a GIN index on PostgreSQL), keyed by the field's stable key. See
docs/custom-fields.md for the design and its trade-offs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    cast,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.audit import Audited
from app.extensions import Model
from app.models.base import Timestamped
from app.tenancy import TenantScoped

# JSON on SQLite; JSONB on PostgreSQL, where containment (@>) can use a GIN index.
CustomJSON = JSON().with_variant(JSONB(), "postgresql")

TEXT = "text"
LONG_TEXT = "long_text"
INTEGER = "integer"
DECIMAL = "decimal"
DATE = "date"
BOOLEAN = "boolean"
CHOICE = "choice"
MULTI_CHOICE = "multi_choice"
EMAIL = "email"
URL = "url"
PHONE = "phone"
FIELD_TYPES = (TEXT, LONG_TEXT, INTEGER, DECIMAL, DATE, BOOLEAN, CHOICE, MULTI_CHOICE,
               EMAIL, URL, PHONE)
CHOICE_TYPES = (CHOICE, MULTI_CHOICE)
NUMBER_TYPES = (INTEGER, DECIMAL)
TEXT_TYPES = (TEXT, LONG_TEXT, EMAIL, URL, PHONE)


def localised(labels: dict[str, str] | None, language: str) -> str:
    """The label in the language, else English, else any label there is."""
    labels = labels or {}
    return labels.get(language) or labels.get("en") or next(
        (text for text in labels.values() if text), "")


class HasCustomFields:
    """An entity whose records carry configurable-field values. ``__custom_entity__``
    names the entity in field definitions."""

    __custom_entity__: str

    @declared_attr
    def custom(cls) -> Mapped[dict[str, Any]]:
        return mapped_column(CustomJSON, nullable=False, default=dict, server_default="{}")


def custom_values_index(model) -> None:
    """PostgreSQL indexes over a model's values (SQLite has no use for them): GIN for
    equality and containment, and trigrams of the whole value text, which lets a
    "contains" search on a field skip the rows that cannot hold the text."""
    Index(f"ix_{model.__tablename__}_custom", model.custom,
          postgresql_using="gin", postgresql_ops={"custom": "jsonb_path_ops"}
          ).ddl_if(dialect="postgresql")
    text = func.lower(cast(model.custom, Text)).label("custom_text")
    Index(f"ix_{model.__tablename__}_custom_trigram", text, postgresql_using="gin",
          postgresql_ops={"custom_text": "gin_trgm_ops"}).ddl_if(dialect="postgresql")


class FieldSection(TenantScoped, Audited, Timestamped, Model):
    __tablename__ = "field_section"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(30), nullable=False)
    labels: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    fields: Mapped[list[FieldDefinition]] = relationship(
        back_populates="section", order_by="FieldDefinition.position")

    def label(self, language: str) -> str:
        return localised(self.labels, language)

    def __str__(self) -> str:
        return localised(self.labels, "en")


class FieldDefinition(TenantScoped, Audited, Timestamped, Model):
    __tablename__ = "field_definition"
    __table_args__ = (UniqueConstraint("tenant_id", "entity", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("field_section.id", ondelete="RESTRICT"), index=True, nullable=False)
    entity: Mapped[str] = mapped_column(String(30), nullable=False)
    key: Mapped[str] = mapped_column(String(60), nullable=False)
    field_type: Mapped[str] = mapped_column(String(20), nullable=False, default=TEXT)
    labels: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    help_texts: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    default_value: Mapped[Any | None] = mapped_column(JSON(none_as_null=True))
    min_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    max_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    show_in_list: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    searchable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    section: Mapped[FieldSection] = relationship(back_populates="fields")
    choices: Mapped[list[FieldChoice]] = relationship(
        back_populates="field", order_by="FieldChoice.position",
        cascade="all, delete-orphan")

    @property
    def form_name(self) -> str:
        """Name of the field in forms, list columns and exports."""
        return f"cf_{self.key}"

    def label(self, language: str) -> str:
        return localised(self.labels, language)

    def help_text(self, language: str) -> str:
        return localised(self.help_texts, language)

    def __str__(self) -> str:
        return localised(self.labels, "en") or self.key


class FieldChoice(TenantScoped, Audited, Timestamped, Model):
    """A choice of a single- or multiple-choice field; a choice in use is deactivated,
    never deleted, so stored values keep their label."""

    __tablename__ = "field_choice"
    __table_args__ = (UniqueConstraint("field_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    field_id: Mapped[int] = mapped_column(
        ForeignKey("field_definition.id", ondelete="CASCADE"), index=True, nullable=False)
    key: Mapped[str] = mapped_column(String(60), nullable=False)
    labels: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    field: Mapped[FieldDefinition] = relationship(back_populates="choices")

    def label(self, language: str) -> str:
        return localised(self.labels, language)

    def __str__(self) -> str:
        return localised(self.labels, "en") or self.key


Index("ix_field_section_tenant_entity", FieldSection.tenant_id, FieldSection.entity,
      FieldSection.position)
Index("ix_field_definition_tenant_entity", FieldDefinition.tenant_id, FieldDefinition.entity,
      FieldDefinition.position)
