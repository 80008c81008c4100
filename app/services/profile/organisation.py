"""The organisation profile (B13): the contact profile's mechanism — panels, tabs,
timeline, counts — given an organisation. Its Scope (services.profile.query) is the
organisation's own records and those of its current people; its panels are the
organisation form's fields, saved with services.contacts.organisations' rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.models import Contact, Employment, Organisation, User
from app.models.activity import EMAIL, MEETING
from app.services import privacy
from app.services.activities import attachments
from app.services.contacts import employments, organisations
from app.services.contacts.employments import current_people
from app.services.profile import tabs
from app.services.profile.panels import (
    ADDRESS,
    ADDRESS_FIELDS,
    RESPONSIBLE,
    RESPONSIBLE_FIELDS,
    Panel,
    save_section,
    section_panels,
)
from app.services.profile.query import Args, Page, organisation_scope, paginate
from app.services.profile.timeline import (
    HistoryTab,
    TimelineTab,
    organisation_history_condition,
    scoped_history,
    scoped_timeline,
)

MASTER, REGISTRATION = "master", "registration"
MASTER_FIELDS = ("name", "phone", "email", "website", "industry", "notes")
REGISTRATION_FIELDS = ("registration_country", "registration_number")


# --- the left column ------------------------------------------------------------------

def panels(organisation: Organisation) -> list[Panel]:
    """The organisation's master-data panels in page order, then one per section of
    the tenant's configurable organisation fields."""
    return [
        Panel(MASTER, "organisation", _l("Master data"), MASTER_FIELDS),
        Panel(REGISTRATION, REGISTRATION, _l("Registration"), REGISTRATION_FIELDS),
        Panel(ADDRESS, "organisation_address", _l("Address"), ADDRESS_FIELDS),
        Panel(RESPONSIBLE, RESPONSIBLE, _l("Responsible user and tags"), RESPONSIBLE_FIELDS),
        *section_panels("organisation"),
    ]


def save_panel(organisation: Organisation, panel: Panel, form_values: dict[str, Any]) -> None:
    """Check a panel's change, already copied onto the organisation, with the full
    form's rules; raises ServiceError. The caller commits or rolls back."""
    organisations.prepare(organisation)
    save_section(organisation, panel, form_values)


# --- the right column -----------------------------------------------------------------

@dataclass(frozen=True)
class EmployeesTab:
    current: Page  # of Employments, with their contacts
    former: Page
    search: str  # whom to add
    candidates: list[Contact]


def employees_tab(organisation: Organisation, args: Args, viewer: User) -> EmployeesTab:
    """Current and former employees, each paged; the people a search finds to add."""
    search = args.text("employees_q")

    def page(current: bool, param: str) -> Page:
        return paginate(employments.employments_at(organisation.id, current=current),
                        args.page(param), param, joinedload(Employment.contact))

    return EmployeesTab(page(True, "employees_page"), page(False, "former_page"), search,
                        employments.candidates(organisation, search))


def timeline_tab(organisation: Organisation, args: Args, viewer: User) -> TimelineTab:
    """Activities with the organisation or its people, filtered also by person (not
    for the private customers: a list of every one of them is no filter)."""
    people = () if organisation.is_private_customers else tuple(
        employments.people(organisation.id))
    return scoped_timeline(organisation_scope(organisation.id), args, viewer, people)


def cases_tab(organisation: Organisation, args: Args, viewer: User) -> tabs.CasesTab:
    return tabs.scoped_cases(organisation_scope(organisation.id).cases, args)


def tasks_tab(organisation: Organisation, args: Args, viewer: User) -> tabs.TasksTab:
    return tabs.scoped_tasks(organisation_scope(organisation.id).tasks, args)


def notes_tab(organisation: Organisation, args: Args, viewer: User) -> tabs.NotesTab:
    return tabs.scoped_notes(organisation_scope(organisation.id), args, viewer)


def email_tab(organisation: Organisation, args: Args, viewer: User) -> tabs.ActivitiesTab:
    return tabs.scoped_activities(organisation_scope(organisation.id), args, viewer, EMAIL)


def meetings_tab(organisation: Organisation, args: Args, viewer: User) -> tabs.ActivitiesTab:
    return tabs.scoped_activities(organisation_scope(organisation.id), args, viewer, MEETING)


def files_tab(organisation: Organisation, args: Args, viewer: User) -> list:
    """The organisation's files, but (F1, F2) not those of e-mails or notes the viewer
    may not read."""
    return privacy.readable_files(attachments.files_of(organisation_id=organisation.id),
                                  viewer)


def history_tab(organisation: Organisation, args: Args, viewer: User) -> HistoryTab:
    condition = organisation_history_condition(organisation.id,
                                               organisation_scope(organisation.id))
    return scoped_history(condition, args, viewer)


TABS = tabs.labelled({  # the timeline first: opened by default
    "timeline": timeline_tab, "employees": employees_tab, "cases": cases_tab,
    "tasks": tasks_tab, "notes": notes_tab, "email": email_tab, "meetings": meetings_tab,
    "files": files_tab, "related": tabs.related_tab, "history": history_tab,
})


def build(organisation: Organisation, args: Mapping[str, str], viewer: User) -> dict[str, Any]:
    """The organisation's tabs (services.profile.tabs.build_tabs), counted in one query."""
    employees = tabs.counted(current_people(organisation.id)).label("employees")
    counts = tabs.scope_counts(organisation_scope(organisation.id), employees)
    return tabs.build_tabs(organisation, TABS, counts, args, viewer)
