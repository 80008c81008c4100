"""Activities, done and planned (E1–E8), with the privacy rules of the screens (F1,
F2): what the user may not read is left out of lists and is 404 by its id."""

from __future__ import annotations

from functools import cache
from typing import Any

import marshmallow as ma
from marshmallow import fields
from sqlalchemy import or_

from app.api import Blueprint, blueprint, resources
from app.api.resources import Filter, Resource, id_filter, updated_since_filter, yes_no_filter
from app.api.schemas import (
    ID_RANGE,
    Moment,
    RecordIds,
    RecordSchema,
    custom_values,
    reference,
    text,
)
from app.models import Activity
from app.models.activity import CALL_IN, CALL_OUT
from app.services import privacy, records
from app.services.activities import activities
from app.services.activities.records import ACTIVITY


class FollowUpSchema(ma.Schema):
    """The next contact to plan, as the screens' "Schedule the next contact" does."""

    in_ = fields.Integer(data_key="in", strict=True, allow_none=True,
                         validate=ma.validate.Range(1, activities.MAX_FOLLOW_UP_STEPS), metadata={
        "description": "A number of hours, days or weeks (unit) after the activity's start"})
    unit = fields.String(allow_none=True,
                         validate=ma.validate.OneOf(list(activities.FOLLOW_UP_UNITS)),
                         metadata={"description": "hours, days or weeks; days by default"})
    on = fields.Date(allow_none=True, metadata={
        "description": "Or on this day, at the activity's hour (display time zone)"})
    at = Moment(allow_none=True, metadata={
        "description": "Or at this time (ISO 8601; UTC without an offset)"})

    @ma.validates_schema
    def _one_way(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if sum(data.get(name) is not None for name in ("in_", "on", "at")) > 1:
            raise ma.ValidationError(str(activities.EITHER_WAY), field_name="in")

    @ma.post_load
    def _as_named(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        """The names the service reads (``in`` is Python's word)."""
        return {("in" if name == "in_" else name): value for name, value in data.items()}


class ActivitySchema(RecordSchema):
    kind = fields.String(attribute="type_key", required=True,
                         validate=ma.validate.Length(min=1, max=60), metadata={
        "description": "note, meeting, email, call, letter or a key of the tenant's own "
                       "activity kinds (GET /api/v1/dictionaries?dictionary=activity_kind)"})
    subject = text(300, metadata={"description": "A note's is its first line"})
    body = text(100_000)
    starts_at = Moment(allow_none=True, metadata={"description": "By default now"})
    duration_minutes = fields.Integer(allow_none=True, strict=True,
                                      validate=ma.validate.Range(0, 100_000))
    organisation_id = reference("The organisation the activity is with")
    contact_ids = RecordIds("contacts", "Its persons, at least one, of the organisation")
    case_id = reference("A case")
    project_id = reference("A project")
    employee_id = reference("By default the user creating it")
    priority_id = reference("An entry of the priorities")
    category_id = reference("An entry of the activity categories")
    planned = fields.Boolean(metadata={"description": "Still to be done"})
    completed = fields.Boolean(metadata={
        "description": "A completed activity is no longer changed nor deleted"})
    location = text(300, metadata={"description": "Meetings"})
    ends_at = Moment(allow_none=True, metadata={"description": "Meetings"})
    direction = fields.String(allow_none=True, validate=ma.validate.OneOf(
        [CALL_IN, CALL_OUT]), metadata={"description": "Calls"})
    phone_number = text(40, metadata={"description": "Calls"})
    outcome = text(300, metadata={"description": "Calls"})
    mail_from = fields.String(dump_only=True, allow_none=True)
    mail_to = fields.String(dump_only=True, allow_none=True)
    mail_cc = fields.String(dump_only=True, allow_none=True)
    mail_status = fields.String(dump_only=True, allow_none=True)
    custom = custom_values()
    follow_up = fields.Nested(FollowUpSchema, load_only=True, allow_none=True, metadata={
        "description": "Plan the next contact (a planned activity of the same kind, "
                       "organisation, persons and case) when saving this one: give one "
                       "of in (with unit), on or at"})
    follow_up_id = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "The planned next contact, if one was planned"})


def _of_kind(key: str):
    return or_(Activity.kind_key == key, (Activity.kind_key.is_(None)) & (Activity.kind == key))


ACTIVITIES = Resource(
    name="activities", title="Activity", kind=ACTIVITY, schema=ActivitySchema,
    filters={"organisation": id_filter(Activity.organisation_id),
             "contact": Filter(fields.Integer(validate=ID_RANGE),
                               activities.contact_condition),
             "case": id_filter(Activity.case_id), "project": id_filter(Activity.project_id),
             "employee": id_filter(Activity.employee_id),
             "kind": Filter(fields.String(validate=ma.validate.Length(max=60)), _of_kind),
             "planned": yes_no_filter(activities.planned_condition),
             "updated_since": updated_since_filter(Activity)},
    sorts={"starts_at": Activity.starts_at, "created_at": Activity.created_at,
           "updated_at": Activity.updated_at},
    default_sort="-starts_at",
    search=lambda text: records.search_condition(Activity, activities.search_condition, text),
    options=activities.list_load_options(), readable=privacy.readable_condition)


@cache  # one blueprint, registered with every app made
def blueprints() -> list[Blueprint]:
    bp = blueprint("activities", "Activities, done and planned (planned=true: still to "
                                 "be done)")
    resources.register(bp, ACTIVITIES)
    return [bp]
