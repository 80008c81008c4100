"""What still refers to a record, so it is never deleted silently: a contact with cases,
tasks or opportunities, an organisation with employees or cases, a dictionary entry in
use … Deleting such a record is refused with a translated explanation naming what holds
it; the user deletes or moves those first (nothing cascades out of sight)."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import Select, func, or_, select

from app.extensions import db
from app.models import (
    Activity,
    Case,
    Contact,
    DictionaryEntry,
    Employment,
    Lead,
    Opportunity,
    Organisation,
    Project,
    Task,
)
from app.models.activity import activity_contact
from app.models.case import case_contact
from app.models.dictionary import ACTIVITY_KIND
from app.services.errors import ServiceError

Counter = Callable[[int], Select]  # record id -> SELECT count(...)
Noun = Callable[[int], str]  # a count -> "3 cases", in the current language and grammar


def _count(model, *conditions) -> Select:
    return select(func.count()).select_from(model).where(*conditions)


def cases(n: int) -> str:
    return ngettext("%(num)d case", "%(num)d cases", n)


def tasks(n: int) -> str:
    return ngettext("%(num)d task", "%(num)d tasks", n)


def opportunities(n: int) -> str:
    return ngettext("%(num)d opportunity", "%(num)d opportunities", n)


def employees(n: int) -> str:
    return ngettext("%(num)d employee", "%(num)d employees", n)


def projects(n: int) -> str:
    return ngettext("%(num)d project", "%(num)d projects", n)


def leads(n: int) -> str:
    return ngettext("%(num)d lead", "%(num)d leads", n)


def activities(n: int) -> str:
    return ngettext("%(num)d activity", "%(num)d activities", n)


# Per model: (what refers, how many of them refer to the record with this id).
REFERENCES: dict[type, list[tuple[Noun, Counter]]] = {
    Contact: [
        (cases, lambda i: _count(Case, or_(
            Case.primary_contact_id == i,
            Case.id.in_(select(case_contact.c.case_id).where(case_contact.c.contact_id == i))))),
        (tasks, lambda i: _count(Task, Task.contact_id == i)),
        (opportunities, lambda i: _count(Opportunity, Opportunity.contact_id == i)),
        (activities, lambda i: _count(Activity, Activity.id.in_(
            select(activity_contact.c.activity_id).where(activity_contact.c.contact_id == i)))),
    ],
    Organisation: [
        (employees, lambda i: _count(Employment, Employment.organisation_id == i)),
        (cases, lambda i: _count(Case, Case.organisation_id == i)),
        (opportunities, lambda i: _count(Opportunity, Opportunity.organisation_id == i)),
        (projects, lambda i: _count(Project, Project.organisation_id == i)),
        (activities, lambda i: _count(Activity, Activity.organisation_id == i)),
    ],
    Case: [
        (tasks, lambda i: _count(Task, Task.case_id == i)),
        (leads, lambda i: _count(Lead, Lead.case_id == i)),
        (activities, lambda i: _count(Activity, Activity.case_id == i)),
    ],
    Project: [
        (activities, lambda i: _count(Activity, Activity.project_id == i)),
    ],
    DictionaryEntry: [
        (cases, lambda i: _count(Case, Case.category_id == i)),
        (tasks, lambda i: _count(Task, or_(Task.status_id == i, Task.priority_id == i))),
        (activities, lambda i: _count(Activity, or_(
            Activity.priority_id == i, Activity.category_id == i,
            Activity.type_key.in_(select(DictionaryEntry.key).where(  # an activity kind
                DictionaryEntry.id == i, DictionaryEntry.dictionary == ACTIVITY_KIND))))),
    ],
}


def uses(record) -> str:
    """What refers to the record, counted ("2 cases, 1 task"); empty when nothing."""
    found = []
    for noun, counter in REFERENCES.get(type(record), []):
        count = db.session.scalar(counter(record.id)) or 0
        if count:
            found.append(noun(count))
    return ", ".join(found)


def ensure_deletable(record) -> None:
    """Raise ServiceError naming what still refers to the record."""
    listing = uses(record)
    if listing:
        raise ServiceError(_l("%(record)s cannot be deleted: it is still used by %(uses)s. "
                              "Delete or change those first.", record=str(record),
                              uses=listing))
