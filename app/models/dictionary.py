"""Dictionaries (A6): per-tenant lists an administrator edits — activity kinds,
priorities, activity categories, task statuses, case categories — each entry with a
label per language, an order and an active flag (and, for an activity kind, the
behaviour of its activities)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.audit import Audited
from app.extensions import Model
from app.i18n import current_language
from app.models.base import Timestamped
from app.models.custom_field import localised
from app.tenancy import TenantScoped

ACTIVITY_KIND = "activity_kind"
PRIORITY = "priority"
ACTIVITY_CATEGORY = "activity_category"
TASK_STATUS = "task_status"
CASE_CATEGORY = "case_category"
DICTIONARIES = (ACTIVITY_KIND, PRIORITY, ACTIVITY_CATEGORY, TASK_STATUS, CASE_CATEGORY)


class DictionaryEntry(TenantScoped, Audited, Timestamped, Model):
    """One entry of a dictionary. An inactive entry is not offered for new choices but
    stays on the records that have it."""

    __tablename__ = "dictionary_entry"
    __table_args__ = (UniqueConstraint("tenant_id", "dictionary", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dictionary: Mapped[str] = mapped_column(String(30), nullable=False)
    key: Mapped[str] = mapped_column(String(60), nullable=False)
    labels: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Task statuses only: whether a task in this status is done (closed).
    is_done: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Activity kinds only: which of the program's kinds (note, meeting, e-mail, call,
    # letter) activities of this kind behave as; a kind without one is not offered.
    behaviour: Mapped[str | None] = mapped_column(String(10))

    def label(self, language: str) -> str:
        return localised(self.labels, language)

    def __str__(self) -> str:
        return self.label(current_language()) or self.key


Index("ix_dictionary_entry_tenant_dictionary", DictionaryEntry.tenant_id,
      DictionaryEntry.dictionary, DictionaryEntry.position)
