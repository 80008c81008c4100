"""The right column of the contact profile (D1, D2, D4–D10): cases, tasks, planned and
history timeline, notes, files, e-mail, meetings, change history, related records.

build() gathers what the tabs show for one request, each tab with its own filters from
the query string, in a number of queries that does not grow with the contact's records.
Which tab is open comes from ``?tab=…``; only that tab's records are loaded, so every
tab and filter is a plain link or GET form and works without JavaScript."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, not_, or_, select
from sqlalchemy.orm import QueryableAttribute, joinedload
from sqlalchemy.sql.elements import ColumnElement

from app.extensions import db
from app.models import (
    Activity,
    Attachment,
    Case,
    Contact,
    DictionaryEntry,
    Employment,
    Organisation,
    Task,
    User,
)
from app.models.activity import (
    EMAIL,
    MEETING,
    NOTE,
)
from app.models.case import CASE_STATUSES
from app.models.dictionary import PRIORITY, TASK_STATUS
from app.models.sales import project_contact
from app.services import accounts, dictionaries, privacy
from app.services.activities import activities, attachments
from app.services.activities.mail import MAIL_STATUS_LABELS
from app.services.profile.query import (
    Args,
    Page,
    Scope,
    activities_in,
    case_of_contact,
    contact_cases,
    contact_scope,
    paginate,
    period,
    tasks_about,
)
from app.services.profile.timeline import history, timeline
from app.services.terms import RECORD_TITLE
from app.services.text import lowered
from app.services.times import local_text
from app.services.work import cases, tasks

TASKS_SHOWN = 10


@dataclass(frozen=True)
class TabLink:
    key: str
    label: str
    count: int | None  # shown beside the label; None: not counted
    url: str


# --- D1 cases -----------------------------------------------------------------------------

CASE_COLUMNS = {"reference": _l("Reference"), "title": RECORD_TITLE, "status": _l("Status"),
                "organisation": _l("Organisation"), "responsible_user": _l("Responsible user"),
                "category": _l("Category"), "opened_on": cases.OPENED_ON,
                "closed_on": cases.CLOSED_ON}
CASE_SELECT_FILTERS = {"cases_organisation": Case.organisation_id,
                       "cases_user": Case.responsible_user_id, "cases_category": Case.category_id}


@dataclass(frozen=True)
class CasesTab:
    page: Page  # of Cases
    status: str  # "" for all
    statuses: list[tuple[str, str]]
    search: str
    sort: str
    descending: bool
    columns: dict
    organisations: list[Organisation]  # the choices of each column filter: what the
    users: list[User]  # contact's cases hold
    categories: list[DictionaryEntry]


def _case_sorts() -> dict[str, ColumnElement | QueryableAttribute]:
    def value_of(column, key) -> ColumnElement:
        return select(column).where(column.table.c.id == key).scalar_subquery()

    return {"reference": Case.reference, "title": lowered(Case.title),
            "status": cases.STATUS_ORDER,
            "organisation": value_of(Organisation.name, Case.organisation_id),
            "responsible_user": value_of(User.full_name, Case.responsible_user_id),
            "category": value_of(DictionaryEntry.position, Case.category_id),
            "opened_on": Case.opened_on, "closed_on": Case.closed_on}


def _case_conditions(args: Args) -> list:
    conditions = []
    status = args.text("cases_status")
    if status in CASE_STATUSES:
        conditions.append(Case.status == status)
    search = cases.search_condition(args.text("cases_q"))
    if search is not None:
        conditions.append(search)
    for name, column in CASE_SELECT_FILTERS.items():
        if (number := args.number(name)) is not None:
            conditions.append(column == number)
    for name, day in (("cases_opened", Case.opened_on), ("cases_closed", Case.closed_on)):
        conditions += period(day, args.day(f"{name}_from"), args.day(f"{name}_to"),
                             moments=False)
    return conditions


def cases_tab(contact: Contact, args: Args, viewer: User) -> CasesTab:
    return scoped_cases(case_of_contact(contact.id), args)


def scoped_cases(theirs: ColumnElement, args: Args) -> CasesTab:
    """The cases meeting ``theirs`` (a profile's), filtered, sorted and paged."""
    sorts = _case_sorts()
    chosen = args.text("cases_sort")
    sort = chosen if chosen in sorts else "opened_on"
    descending = args.text("cases_desc") == "1" or chosen not in sorts  # newest first
    order = sorts[sort].desc() if descending else sorts[sort].asc()
    query = (select(Case).where(theirs, *_case_conditions(args))
             .order_by(order.nulls_last(), Case.id.desc()))
    page = paginate(query, args.page("cases_page"), "cases_page",
                    joinedload(Case.organisation), joinedload(Case.responsible_user),
                    joinedload(Case.category))

    def used(model, column, *order_by) -> list:
        return list(db.session.scalars(select(model).where(
            model.id.in_(select(column).where(theirs))).order_by(*order_by)))

    return CasesTab(
        page, args.text("cases_status"), cases.status_choices(), args.text("cases_q"), sort,
        descending, CASE_COLUMNS,
        used(Organisation, Case.organisation_id, Organisation.name),
        used(User, Case.responsible_user_id, User.full_name),
        used(DictionaryEntry, Case.category_id, DictionaryEntry.position))


# --- D2 tasks -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TaskRow:
    task: Task
    overdue: bool
    due_input: str  # the due time for a datetime-local input, in the display time zone


@dataclass(frozen=True)
class TasksTab:
    rows: list[TaskRow]
    total: int  # active tasks matching the filter, of which TASKS_SHOWN are shown
    chosen: list[int]
    filter_statuses: list[DictionaryEntry]  # the statuses of active tasks
    statuses: list[DictionaryEntry]  # what a task's status may be set to
    priorities: list[DictionaryEntry]
    users: list[User]


def tasks_tab(contact: Contact, args: Args, viewer: User) -> TasksTab:
    return scoped_tasks(tasks_about(contact.id), args)


def scoped_tasks(theirs: ColumnElement, args: Args) -> TasksTab:
    """The ten newest active (not done) tasks meeting ``theirs``, with the choices of
    their in-place editing (the task list's: same endpoint, same rules)."""
    chosen = args.numbers("tasks_status")
    query = select(Task).where(theirs, tasks.open_condition())
    if chosen:
        query = query.where(Task.status_id.in_(chosen))
    total = db.session.scalar(query.with_only_columns(func.count(Task.id))) or 0
    shown = db.session.scalars(query.options(
        joinedload(Task.status), joinedload(Task.priority), joinedload(Task.assignee),
        joinedload(Task.case)).order_by(Task.created_at.desc(), Task.id.desc())
        .limit(TASKS_SHOWN))
    rows = [TaskRow(task, tasks.is_overdue(task), _input_value(task.due_at)) for task in shown]
    statuses = dictionaries.entries(TASK_STATUS, active_only=False)
    return TasksTab(rows, total, chosen, [s for s in statuses if not s.is_done],
                    [s for s in statuses if s.active], dictionaries.entries(PRIORITY),
                    accounts.active_users())


def _input_value(moment: datetime | None) -> str:
    """A time as a datetime-local input shows it: on the display time zone's clock."""
    return local_text(moment, "%Y-%m-%dT%H:%M")


# --- D5 notes -------------------------------------------------------------------------------

NOTE_SCOPES = {"": _l("All notes"), "case": _l("Case notes"), "other": _l("Other notes")}


@dataclass(frozen=True)
class NoteItem:
    note: Activity
    readable: bool
    on_case: bool  # a note on one of the contact's cases
    on_organisation: bool  # a note on the contact's organisation, without the contact
    on_project: bool  # a note on a project the contact takes part in, without the contact


@dataclass(frozen=True)
class NotesTab:
    private: bool  # F2: the viewer may not read this contact's notes at all
    page: Page | None  # of NoteItems
    scope: str
    scopes: dict
    search: str


def notes_tab(contact: Contact, args: Args, viewer: User) -> NotesTab:
    """The contact's notes, the notes on its cases, and those without the contact on
    its current organisations and on the projects it takes part in."""
    if not privacy.may_read_notes_of(contact, viewer):
        return NotesTab(True, None, _note_scope(args), NOTE_SCOPES, args.text("notes_q"))
    own = activities.contact_condition(contact.id)
    on_cases = Activity.case_id.in_(contact_cases(contact.id))
    on_organisations = and_(Activity.organisation_id.in_(_current_organisations(contact.id)),
                            not_(own))
    on_projects = and_(Activity.project_id.in_(_projects(contact.id)), not_(own))
    page = _notes_page(or_(own, on_cases, on_organisations, on_projects), on_cases, args)
    case_ids = set(db.session.scalars(contact_cases(contact.id))) if page.items else set()
    project_ids = set(db.session.scalars(_projects(contact.id))) if page.items else set()
    items = [_note_item(note, contact.id, viewer, case_ids, project_ids) for note in page.items]
    return NotesTab(False, page.holding(items), _note_scope(args), NOTE_SCOPES,
                    args.text("notes_q"))


def scoped_notes(scope: Scope, args: Args, viewer: User) -> NotesTab:
    """The notes of a scope and those on its cases (an organisation's)."""
    on_cases = Activity.case_id.in_(select(Case.id).where(scope.cases))
    page = _notes_page(or_(scope.activities, on_cases), on_cases, args)
    items = [NoteItem(note, privacy.may_read(note, viewer), note.case_id is not None,
                      False, False) for note in page.items]
    return NotesTab(False, page.holding(items), _note_scope(args), NOTE_SCOPES,
                    args.text("notes_q"))


def _note_scope(args: Args) -> str:
    return args.text("notes_scope") if args.text("notes_scope") in NOTE_SCOPES else ""


def _notes_page(theirs: ColumnElement, on_cases: ColumnElement, args: Args) -> Page:
    """The notes meeting ``theirs``, with the tab's scope (on cases or not) and search."""
    scope = _note_scope(args)
    query = select(Activity).where(Activity.kind == NOTE, theirs)
    if scope:
        query = query.where(on_cases if scope == "case"
                            else or_(Activity.case_id.is_(None), not_(on_cases)))
    if (condition := activities.search_condition(args.text("notes_q"))) is not None:
        query = query.where(condition)
    return paginate(query.order_by(Activity.starts_at.desc(), Activity.id.desc()),
                    args.page("notes_page"), "notes_page", *activities.list_load_options())


def _note_item(note: Activity, contact_id: int, viewer: User, case_ids: set[int],
               project_ids: set[int]) -> NoteItem:
    without_contact = contact_id not in {c.id for c in note.contacts}
    on_project = without_contact and note.project_id in project_ids
    return NoteItem(note, privacy.may_read(note, viewer), note.case_id in case_ids,
                    without_contact and not on_project, on_project)


def _projects(contact_id: int):
    return select(project_contact.c.project_id).where(project_contact.c.contact_id == contact_id)


def _current_organisations(contact_id: int):
    """The contact's current organisations, but not the private-customers one: its
    notes are about other private customers."""
    return (select(Employment.organisation_id)
            .join(Organisation, Organisation.id == Employment.organisation_id)
            .where(Employment.contact_id == contact_id,
                   Organisation.is_private_customers.is_(False),
                   or_(Employment.end_date.is_(None), Employment.end_date >= date.today())))


# --- D7 e-mail and D8 meetings -----------------------------------------------------------

@dataclass(frozen=True)
class ActivityRow:
    activity: Activity
    readable: bool


@dataclass(frozen=True)
class ActivitiesTab:
    page: Page  # of ActivityRows
    employees: list[User]  # meetings: who they can be given to
    restricted: bool = False  # F1: the viewer may not read the profile's e-mails


def scoped_activities(scope: Scope, args: Args, viewer: User, kind: str,
                      restricted: bool = False) -> ActivitiesTab:
    """The scope's activities of one kind (e-mail, meetings), newest first, paged."""
    param = EMAIL_PAGE if kind == EMAIL else MEETINGS_PAGE
    page = paginate(activities_in(scope, kind), args.page(param), param,
                    *activities.list_load_options())
    rows = [ActivityRow(a, privacy.may_read(a, viewer)) for a in page.items]
    employees = accounts.active_users() if kind == MEETING else []
    return ActivitiesTab(page.holding(rows), employees, restricted)


EMAIL_PAGE, MEETINGS_PAGE = "email_page", "meetings_page"


def email_tab(contact: Contact, args: Args, viewer: User) -> ActivitiesTab:
    """D7; F1: a restricted contact's e-mails are listed, their contents only to admins."""
    return scoped_activities(contact_scope(contact.id), args, viewer, EMAIL,
                             contact.email_access_restricted and not viewer.is_admin)


def meetings_tab(contact: Contact, args: Args, viewer: User) -> ActivitiesTab:
    """D8: every meeting of the contact; open ones may be given to another employee."""
    return scoped_activities(contact_scope(contact.id), args, viewer, MEETING)


# --- D6 files, D10 related --------------------------------------------------------------

def files_tab(contact: Contact, args: Args, viewer: User) -> list[Attachment]:
    """The contact's files and its e-mails' files, but (F1, F2) not those of e-mails or
    notes the viewer may not read."""
    return privacy.readable_files(attachments.files_of(contact_id=contact.id), viewer)


def related_tab(contact: Contact, args: Args, viewer: User) -> None:
    """D10: the template shows views.sales.related_sections (sales.related_to_contact)."""
    return None


# --- the tabs -------------------------------------------------------------------------------

# The tabs' names, shared by every profile (contacts', organisations').
TAB_LABELS = {
    "timeline": _l("Planned and history"), "employees": _l("Employees"),
    "cases": _l("Cases"), "tasks": _l("Tasks"), "notes": _l("Notes"), "email": _l("E-mail"),
    "meetings": _l("Meetings"), "files": _l("Files"), "history": _l("Change history"),
    "related": _l("Related"),
}


def labelled(tabs: dict[str, Callable[..., Any]]) -> dict[str, tuple[Any, Callable[..., Any]]]:
    """A profile's tabs in order, each with its name."""
    return {key: (TAB_LABELS[key], build) for key, build in tabs.items()}


TABS = labelled({
    "timeline": timeline, "cases": cases_tab, "tasks": tasks_tab, "notes": notes_tab,
    "email": email_tab, "meetings": meetings_tab, "files": files_tab, "history": history,
    "related": related_tab,
})


def counted(query: Select) -> ColumnElement:
    """How many rows the query gives, as a scalar subquery (several counts, one query)."""
    return (query.order_by(None)
            .with_only_columns(func.count(), maintain_column_froms=True).scalar_subquery())


def scope_counts(scope: Scope, *extra: ColumnElement) -> dict[str, int]:
    """How many cases, active tasks, e-mails and meetings the scope has (and the
    ``extra`` labelled counts): one query."""
    row = db.session.execute(select(
        counted(select(Case).where(scope.cases)).label("cases"),
        counted(select(Task).where(scope.tasks, tasks.open_condition())).label("tasks"),
        counted(activities_in(scope, EMAIL)).label("email"),
        counted(activities_in(scope, MEETING)).label("meetings"), *extra)).one()
    return dict(row._mapping)


def tab_counts(contact_id: int) -> dict[str, int]:
    """How many cases, active tasks, e-mails and meetings the contact has: one query."""
    return scope_counts(contact_scope(contact_id))


def build(contact: Contact, args: Mapping[str, str], viewer: User) -> dict[str, Any]:
    """The contact's tabs (build_tabs)."""
    return build_tabs(contact, TABS, tab_counts(contact.id), args, viewer)


def build_tabs(record: Any, registry: Mapping[str, tuple[Any, Callable]],
               counts: Mapping[str, int], args: Mapping[str, str],
               viewer: User) -> dict[str, Any]:
    """Everything the tabs template (kontakt/profile/_tabs.html) needs for a profile's
    ``record`` and its tabs (``registry``: key → (label, builder)): the open tab
    (``active``), the tab links (``nav``), the open tab's records (``panel``), the
    query string (``args``: links and forms that keep the other tabs' filters), and
    labels. Only the open tab's records are loaded."""
    query = Args(args)
    active = query.text("tab") if query.text("tab") in registry else next(iter(registry))
    nav = [TabLink(key, str(label), counts.get(key), query.link(tab=key))
           for key, (label, _build) in registry.items()]
    return {
        "active": active,
        "nav": nav,
        "panel": registry[active][1](record, query, viewer),
        "args": query,
        "case_status_labels": dict(cases.status_choices()),
        "mail_status_labels": MAIL_STATUS_LABELS,
        "tasks_shown": TASKS_SHOWN,
    }
