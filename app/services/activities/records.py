"""Activities written from plain values (services.records): their columns, the records
they name, their persons, their kind (the program's or one of the tenant's own) and
the next contact to plan after them; the rules are the screens'
(services.activities.activities): a completed activity is neither changed nor deleted."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from app.models import Activity, Case, DictionaryEntry, Organisation, Project, User
from app.services import records
from app.services import references as in_use
from app.services.activities import activities
from app.services.errors import FieldErrors, ServiceError

# the screens' follow-up inputs, by the names the values are given under
FOLLOW_UP_NAMES = {"follow_up_in": "follow_up.in", "follow_up_unit": "follow_up.unit",
                   "follow_up_on": "follow_up.on"}

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


def _plan_follow_up(activity: Activity, wanted: Mapping[str, Any] | None, _user: User
                    ) -> None:
    """The next contact as the screens plan it (activities.schedule_follow_up): ``in``
    hours, days or weeks (``unit``, days by default) after the activity's start, or
    ``on`` a day (at the activity's hour) or ``at`` a time (UTC without an offset).
    None plans nothing; refusals name ``follow_up.<key>``."""
    if wanted is None:
        return
    at = wanted.get("at")
    if isinstance(at, datetime) and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # as every time the API takes
    follow_up = activities.FollowUp(every=wanted.get("in"),
                                    unit=wanted.get("unit") or activities.DAYS,
                                    on=at if at is not None else wanted.get("on"))
    try:
        activities.schedule_follow_up(activity, follow_up)
    except ServiceError as exc:
        name = FOLLOW_UP_NAMES.get(exc.field or "", "follow_up")
        raise FieldErrors({name: exc.message}) from None


def _ensure_deletable(activity: Any) -> None:
    activities.ensure_editable(activity)
    in_use.ensure_deletable(activity)


ACTIVITY = records.Kind(
    model=Activity, columns=COLUMNS,
    references={"organisation_id": Organisation, "case_id": Case, "project_id": Project,
                "employee_id": User, "priority_id": DictionaryEntry,
                "category_id": DictionaryEntry},
    setters={"type_key": _set_kind, "contact_ids": _set_persons},
    prepare=_prepare, saved_setters={"follow_up": _plan_follow_up},
    ensure_deletable=_ensure_deletable)
