"""Activities written from plain values (services.records): their columns, the records
they name, their persons and their kind (the program's or one of the tenant's own);
the rules are the screens' (services.activities.activities): a completed activity is
neither changed nor deleted."""

from __future__ import annotations

from typing import Any

from app.models import Activity, Case, DictionaryEntry, Organisation, Project, User
from app.services import records
from app.services import references as in_use
from app.services.activities import activities

COLUMNS = frozenset({
    "subject", "body", "starts_at", "duration_minutes", "planned", "completed",
    "location", "ends_at", "direction", "phone_number", "outcome"})


def _set_kind(activity: Activity, key: str, _user: User) -> None:
    """The kind as the tenant sees it (``type_key``): resolved by prepare."""
    activity.kind, activity.kind_key = key, None


def _set_persons(activity: Activity, ids: list[int] | None, _user: User) -> None:
    activities.set_persons(activity, ids or [])


def _prepare(activity: Activity, is_new: bool, user: User) -> None:
    activities.prepare(activity, is_new=is_new, creator_id=user.id)


def _ensure_deletable(activity: Any) -> None:
    activities.ensure_editable(activity)
    in_use.ensure_deletable(activity)


ACTIVITY = records.Kind(
    model=Activity, columns=COLUMNS,
    references={"organisation_id": Organisation, "case_id": Case, "project_id": Project,
                "employee_id": User, "priority_id": DictionaryEntry,
                "category_id": DictionaryEntry},
    setters={"type_key": _set_kind, "contact_ids": _set_persons},
    prepare=_prepare, ensure_deletable=_ensure_deletable)
