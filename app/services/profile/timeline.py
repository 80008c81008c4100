"""Two tabs of a profile (a contact's, an organisation's) that merge several kinds of
records, each written once against the profile's Scope (services.profile.query):

- Planned and history (D4): the contact's activities of every kind, the opening and
  closing of its cases and its tasks done, in one list: planned activities first
  (soonest first), then everything else newest first. The sources are merged, sorted
  and paged in the database (UNION ALL of (type, id, moment, planned), LIMIT/OFFSET);
  the page's records are then loaded with one query per type.
- Change history (D9): the audit entries of the contact (or organisation), its
  employments, files, cases, tasks and activities, newest first.

Either takes the same number of queries whatever the number of records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, literal_column, or_, select, union_all
from sqlalchemy import case as sql_case
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import (
    Activity,
    Attachment,
    AuditEntry,
    Case,
    Contact,
    Employment,
    Organisation,
    Task,
    User,
)
from app.models.activity import KINDS
from app.services import history_text, privacy
from app.services.activities import activities
from app.services.dictionaries import TASK_DONE_KEY
from app.services.history_text import EntryText
from app.services.profile.query import (
    Args,
    Page,
    Scope,
    activities_in,
    activities_of,
    contact_cases,
    contact_scope,
    day_moment,
    page_rows,
    paginate,
    period,
    tasks_about,
)

# What a timeline row is; "case" and "task" are the kind filter's own choices.
ACTIVITY, CASE_OPENED, CASE_CLOSED, TASK_DONE = "activity", "case_opened", "case_closed", "task"
KIND_CASE, KIND_TASK = "case", "task"
EXTRA_KIND_LABELS = {KIND_CASE: _l("Cases opened and closed"), KIND_TASK: _l("Tasks done")}
OLDEST_FIRST = "oldest"  # the other order: the newest first (the default)
# The case filter's choices: the newest cases (and the chosen one). An organisation of
# private customers had 24,997, all of them options: 1.3 MB of page.
CASES_OFFERED = 200
ORDERS = {"": _l("Newest first"), OLDEST_FIRST: _l("Oldest first")}


@dataclass(frozen=True)
class TimelineItem:
    type: str  # ACTIVITY, CASE_OPENED, CASE_CLOSED or TASK_DONE
    record: Activity | Case | Task
    planned: bool
    readable: bool  # False: an e-mail or note the viewer may not read (F1, F2)

    @property
    def overdue(self) -> bool:
        return isinstance(self.record, Activity) and activities.is_overdue(self.record)

    @property
    def task_completed(self) -> bool:
        """A task that ended as done (not e.g. cancelled, which also ends it)."""
        return isinstance(self.record, Task) and self.record.status.key == TASK_DONE_KEY


@dataclass(frozen=True)
class TimelineTab:
    page: Page  # of TimelineItems
    kinds: list[tuple[str, str]]  # (key, label) of the kind filter
    kind_labels: dict[str, str]  # of activities
    chosen_kinds: list[str]
    cases: list[Case]  # the profile's cases, for the case filter
    chosen_case: int | None
    start: date | None
    end: date | None
    people: tuple[Contact, ...] = ()  # an organisation's people, for the person filter
    chosen_person: int | None = None
    order: str = ""  # "" newest first, OLDEST_FIRST

    @property
    def orders(self) -> list[tuple[str, str]]:
        return [(key, str(label)) for key, label in ORDERS.items()]


@dataclass(frozen=True)
class TimelineFilter:
    kinds: frozenset[str]  # empty: every kind
    case_id: int | None
    start: date | None
    end: date | None
    person_id: int | None = None  # only the records with this one of the people
    activity_kinds: tuple[str, ...] = KINDS  # the keys of the tenant's activity kinds

    def wants(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


def timeline(contact: Contact, args: Args, viewer: User) -> TimelineTab:
    return scoped_timeline(contact_scope(contact.id), args, viewer)


def scoped_timeline(scope: Scope, args: Args, viewer: User,
                    people: tuple[Contact, ...] = ()) -> TimelineTab:
    """The timeline of a scope; with ``people`` (an organisation's), a person filter:
    only what that person took part in or was a party of."""
    kind_labels = activities.kind_labels()  # the tenant's kinds (E8), by key
    known = {*kind_labels, KIND_CASE, KIND_TASK}
    chosen = [kind for kind in args.values("timeline_kind") if kind in known]
    case_id = args.number("timeline_case")
    their_cases = _offered_cases(scope, case_id)
    person_id = args.number("timeline_person")
    person_id = person_id if person_id in {person.id for person in people} else None
    wanted = TimelineFilter(frozenset(chosen), case_id, args.day("timeline_from"),
                            args.day("timeline_to"), person_id, tuple(kind_labels))
    if person_id is not None:
        scope = scope.narrowed(contact_scope(person_id))
    order = args.text("timeline_order") if args.text("timeline_order") in ORDERS else ""
    page = _timeline_page(scope, wanted, args.page("timeline_page"), viewer,
                          oldest_first=order == OLDEST_FIRST)
    kinds = [*kind_labels.items(), *((k, str(v)) for k, v in EXTRA_KIND_LABELS.items())]
    return TimelineTab(page, kinds, kind_labels, chosen, their_cases, case_id, wanted.start,
                       wanted.end, people=people, chosen_person=person_id, order=order)


def _offered_cases(scope: Scope, chosen: int | None) -> list[Case]:
    """The case filter's choices: the scope's newest cases, and the chosen one."""
    cases = list(db.session.scalars(select(Case).where(scope.cases)
                                    .order_by(Case.reference.desc()).limit(CASES_OFFERED)))
    if chosen is not None and all(case.id != chosen for case in cases):
        cases += db.session.scalars(select(Case).where(scope.cases, Case.id == chosen)).all()
    return cases


def _timeline_page(scope: Scope, wanted: TimelineFilter, number: int,
                   viewer: User, oldest_first: bool = False) -> Page:
    merged = union_all(*_sources(scope, wanted)).subquery("timeline")
    order: tuple[Any, ...]
    if oldest_first:  # in the order things happen: history from its start, then planned
        order = (merged.c.planned.asc(), merged.c.moment.asc(), merged.c.type,
                 merged.c.id.asc())
    else:  # planned first (soonest first), then history newest first
        soonest = sql_case((merged.c.planned == 1, merged.c.moment))
        order = (merged.c.planned.desc(), soonest.asc(), merged.c.moment.desc(),
                 merged.c.type, merged.c.id.desc())
    rows, page = page_rows(select(merged.c.type, merged.c.id, merged.c.planned)
                           .order_by(*order), number, "timeline_page")
    records = _load(rows)
    items = [TimelineItem(row.type, record, bool(row.planned),
                          not isinstance(record, Activity) or privacy.may_read(record, viewer))
             for row in rows if (record := records.get((row.type, row.id))) is not None]
    return page.holding(items)


def _sources(scope: Scope, wanted: TimelineFilter) -> list[Select]:
    """One SELECT (type, id, moment, planned) per kind of timeline row."""
    sources = []
    kinds = [kind for kind in wanted.activity_kinds if wanted.wants(kind)]
    if kinds:
        planned = sql_case((activities.planned_condition(), 1), else_=0)
        query = (activities_in(scope).order_by(None)
                 .with_only_columns(_type(ACTIVITY), Activity.id.label("id"),
                                    Activity.starts_at.label("moment"), planned.label("planned"))
                 .where(*period(Activity.starts_at, wanted.start, wanted.end)))
        if len(kinds) < len(wanted.activity_kinds):
            query = query.where(Activity.type_key.in_(kinds))
        if wanted.case_id is not None:
            query = query.where(Activity.case_id == wanted.case_id)
        sources.append(query)
    if wanted.wants(KIND_CASE):
        of_case = [Case.id == wanted.case_id] if wanted.case_id is not None else []
        for type_, column in ((CASE_OPENED, Case.opened_on), (CASE_CLOSED, Case.closed_on)):
            sources.append(select(_type(type_), Case.id.label("id"),
                                  day_moment(column).label("moment"), _not_planned())
                           .where(scope.cases, column.is_not(None),
                                  *of_case, *period(column, wanted.start, wanted.end,
                                                    moments=False)))
    if wanted.wants(KIND_TASK):
        of_case = [Task.case_id == wanted.case_id] if wanted.case_id is not None else []
        sources.append(select(_type(TASK_DONE), Task.id.label("id"),
                              Task.completed_at.label("moment"), _not_planned())
                       .where(scope.tasks, Task.completed_at.is_not(None), *of_case,
                              *period(Task.completed_at, wanted.start, wanted.end)))
    return sources


def _type(name: str):
    return literal_column(f"'{name}'").label("type")  # one of this module's constants


def _not_planned():
    return literal_column("0").label("planned")


def _load(rows) -> dict[tuple[str, int], Activity | Case | Task]:
    """The page's records, one query per type (none for a type the page lacks)."""
    wanted: dict[str, list[int]] = {}
    for row in rows:
        wanted.setdefault(row.type, []).append(row.id)
    found: dict[tuple[str, int], Activity | Case | Task] = {}
    activity_ids = wanted.get(ACTIVITY, [])
    if activity_ids:
        for activity in db.session.scalars(select(Activity).where(Activity.id.in_(activity_ids))
                                           .options(*activities.list_load_options())):
            found[ACTIVITY, activity.id] = activity
    case_ids = [*wanted.get(CASE_OPENED, []), *wanted.get(CASE_CLOSED, [])]
    if case_ids:
        for case in db.session.scalars(select(Case).where(Case.id.in_(case_ids))
                                       .options(joinedload(Case.responsible_user))):
            found[CASE_OPENED, case.id] = found[CASE_CLOSED, case.id] = case
    task_ids = wanted.get(TASK_DONE, [])
    if task_ids:
        for task in db.session.scalars(select(Task).where(Task.id.in_(task_ids)).options(
                joinedload(Task.assignee), joinedload(Task.case), joinedload(Task.status))):
            found[TASK_DONE, task.id] = task
    return found


# --- the change history (D9) -----------------------------------------------------------

@dataclass(frozen=True)
class HistoryRow:
    entry: AuditEntry
    readable: bool  # False: the changes of an e-mail or note the viewer may not read
    text: EntryText  # the entry in words (app.services.history_text)


@dataclass(frozen=True)
class HistoryTab:
    page: Page  # of HistoryRows
    start: date | None
    end: date | None


def history(contact: Contact, args: Args, viewer: User) -> HistoryTab:
    return scoped_history(history_condition(contact.id), args, viewer)


def scoped_history(condition, args: Args, viewer: User) -> HistoryTab:
    """The audit entries meeting ``condition`` (whose they are), newest first."""
    start, end = args.day("history_from"), args.day("history_to")
    query = (select(AuditEntry)
             .where(condition, *period(AuditEntry.created_at, start, end))
             .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()))
    page = paginate(query, args.page("history_page"), "history_page",
                    joinedload(AuditEntry.user))
    hidden = _unreadable_activities(
        [e.record_id for e in page.items if e.entity == Activity.__tablename__], viewer)
    texts = history_text.describe_entries(page.items)
    rows = [HistoryRow(entry, not (entry.entity == Activity.__tablename__
                                   and entry.record_id in hidden), texts[entry.id])
            for entry in page.items]
    return HistoryTab(page.holding(rows), start, end)


def history_condition(contact_id: int):
    """Audit entries of the contact and of its records (those that still exist: a
    deleted record no longer names the contact; the administrators' change history
    keeps it)."""
    about = AuditEntry.about
    return or_(
        and_(AuditEntry.entity == Contact.__tablename__, AuditEntry.record_id == contact_id),
        about(Employment, select(Employment.id).where(Employment.contact_id == contact_id)),
        about(Attachment, select(Attachment.id).where(Attachment.contact_id == contact_id)),
        about(Case, contact_cases(contact_id)),
        about(Task, select(Task.id).where(tasks_about(contact_id))),
        about(Activity, activities_of(contact_id).order_by(None).with_only_columns(Activity.id)),
    )


def organisation_history_condition(organisation_id: int, scope: Scope):
    """Audit entries of the organisation, its employments and files, and of the
    cases, tasks and activities its profile shows."""
    about = AuditEntry.about
    return or_(
        and_(AuditEntry.entity == Organisation.__tablename__,
             AuditEntry.record_id == organisation_id),
        about(Employment,
              select(Employment.id).where(Employment.organisation_id == organisation_id)),
        about(Attachment,
              select(Attachment.id).where(Attachment.organisation_id == organisation_id)),
        about(Case, select(Case.id).where(scope.cases)),
        about(Task, select(Task.id).where(scope.tasks)),
        about(Activity, select(Activity.id).where(scope.activities)),
    )


def _unreadable_activities(ids: list[int], viewer: User) -> set[int]:
    """Which of these activities' changes the viewer may not read (F1, F2)."""
    if not ids:
        return set()
    return {activity.id for activity in db.session.scalars(
        select(Activity).where(Activity.id.in_(ids)).options(selectinload(Activity.contacts)))
        if not privacy.may_read(activity, viewer)}
