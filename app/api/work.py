"""Cases and tasks (C1, C2)."""

from __future__ import annotations

from functools import cache

import marshmallow as ma
from marshmallow import fields
from sqlalchemy.orm import selectinload

from app.api import Blueprint, blueprint, resources
from app.api.resources import Filter, Resource, id_filter, updated_since_filter, yes_no_filter
from app.api.schemas import (
    ID_RANGE,
    Moment,
    RecordIds,
    RecordSchema,
    custom_values,
    required_text,
    text,
)
from app.api.schemas import (
    reference as link,
)
from app.models import Case, Contact, Task
from app.models.case import CASE_STATUSES
from app.services import records
from app.services.text import every_word_in
from app.services.work import cases, tasks
from app.services.work.records import CASE, TASK

LONG_TEXT = 100_000


class CaseSchema(RecordSchema):
    reference = fields.Integer(dump_only=True, metadata={"description": "The case no."})
    title = required_text(200)
    status = fields.String(validate=ma.validate.OneOf(CASE_STATUSES))
    primary_contact_id = fields.Integer(required=True, validate=ID_RANGE, strict=True)
    secondary_contact_ids = RecordIds("secondary_contacts", "Further contacts of the case")
    organisation_id = link("By default the primary contact's organisation")
    responsible_user_id = link("By default the user creating the case")
    category_id = link("An entry of the case categories (GET /api/v1/dictionaries)")
    description = text(LONG_TEXT)
    opened_on = fields.Date(allow_none=True)
    closed_on = fields.Date(dump_only=True, allow_none=True)
    custom = custom_values()


class TaskSchema(RecordSchema):
    title = required_text(200)
    description = text(LONG_TEXT)
    due_at = Moment(allow_none=True)
    status_id = link("An entry of the task statuses; by default the first")
    priority_id = link("An entry of the priorities")
    assignee_id = link("By default the user creating the task")
    contact_id = link("A contact")
    case_id = link("A case")
    completed_at = Moment(dump_only=True, allow_none=True)
    custom = custom_values()


CASES = Resource(
    name="cases", title="Case", kind=CASE, schema=CaseSchema,
    filters={"status": Filter(fields.String(validate=ma.validate.OneOf(CASE_STATUSES)),
                              lambda status: Case.status == status),
             "contact": Filter(fields.Integer(validate=ID_RANGE), lambda number:
                               cases.party_condition(Contact.id == number)),
             "organisation": id_filter(Case.organisation_id),
             "responsible_user": id_filter(Case.responsible_user_id),
             "updated_since": updated_since_filter(Case)},
    sorts={"reference": Case.reference, "title": Case.title, "opened_on": Case.opened_on,
           "created_at": Case.created_at, "updated_at": Case.updated_at},
    default_sort="-reference",
    search=lambda text: records.search_condition(Case, cases.search_condition, text),
    options=(selectinload(Case.secondary_contacts),))

TASKS = Resource(
    name="tasks", title="Task", kind=TASK, schema=TaskSchema,
    filters={"status": id_filter(Task.status_id), "assignee": id_filter(Task.assignee_id),
             "contact": id_filter(Task.contact_id), "case": id_filter(Task.case_id),
             "open": yes_no_filter(tasks.open_condition),
             "overdue": Filter(fields.Boolean(), tasks.overdue_filter),
             "updated_since": updated_since_filter(Task)},
    sorts={"title": Task.title, "created_at": Task.created_at,
           "updated_at": Task.updated_at},
    default_sort="-created_at",
    search=lambda text: records.search_condition(
        Task, lambda words: every_word_in(words, Task.title), text))


@cache  # one blueprint, registered with every app made
def blueprints() -> list[Blueprint]:
    bp = blueprint("work", "Cases and tasks")
    resources.register(bp, CASES)
    resources.register(bp, TASKS)
    return [bp]
