"""Activity rules (E): notes, meetings, e-mails, calls and letters with an organisation
(the counterparty) and its contact persons, planned or done.

- An activity needs its organisation and at least one contact person; only persons
  currently linked to that organisation may be added (E2). Persons already on a saved
  activity stay when they leave the organisation: the record is history.
- The employee defaults to whoever creates it (E7); kind, priority and category come
  from the tenant's dictionaries (E8).
- "Next contact" creates a planned activity like this one, linked from it (E4).
- A completed activity is read-only until an administrator reopens it (E6).

Times are kept in UTC; "in N days" and "on a date" are counted on the wall clock of
the display time zone, so a follow-up keeps its hour across a daylight-saving change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.elements import ColumnElement

from app.extensions import db
from app.i18n import current_language
from app.models import (
    Activity,
    Case,
    Contact,
    DictionaryEntry,
    Employment,
    Organisation,
    Project,
    User,
)
from app.models.activity import (
    CALL,
    CALL_IN,
    CALL_OUT,
    EMAIL,
    KINDS,
    LETTER,
    MEETING,
    NOTE,
    activity_contact,
)
from app.models.base import utcnow
from app.models.contact import KIND_PRIVATE
from app.models.dictionary import ACTIVITY_CATEGORY, ACTIVITY_KIND, PRIORITY
from app.services import dictionaries, identifiers
from app.services.contacts import contacts as contact_service
from app.services.contacts import organisations
from app.services.errors import ServiceError
from app.services.text import every_word_in
from app.services.times import OUT_OF_RANGE, display_zone, supported, to_utc

# Shown when no dictionary entry names the kind (the dictionary is the tenant's data).
KIND_LABELS = {NOTE: _l("Note"), MEETING: _l("Meeting"), EMAIL: _l("E-mail"),
               CALL: _l("Phone call"), LETTER: _l("Letter")}
DIRECTION_LABELS = {CALL_IN: _l("Incoming"), CALL_OUT: _l("Outgoing")}
HOURS, DAYS, WEEKS = "hours", "days", "weeks"
FOLLOW_UP_UNITS = {HOURS: _l("hours"), DAYS: _l("days"), WEEKS: _l("weeks")}
MAX_DURATION_MINUTES = 100_000
MAX_FOLLOW_UP_STEPS = 1_000  # a thousand weeks is far enough ahead
EITHER_WAY = _l("Give either a number of hours, days or weeks, or a date.")
SUBJECT_FROM_NOTE_LENGTH = 80

COMPLETED_MESSAGE = _l("This activity is completed and can no longer be changed. "
                       "An administrator can reopen it.")
PERSONS_MESSAGE = _l("Only persons currently linked to the chosen organisation can take "
                     "part in the activity.")


# --- kinds ----------------------------------------------------------------------------

def _kind_entries() -> list[DictionaryEntry]:
    """The tenant's activity kinds that can be used: those with a behaviour."""
    return [entry for entry in dictionaries.entries(ACTIVITY_KIND, active_only=False)
            if entry.behaviour in KINDS]


def kind_labels(entries: list[DictionaryEntry] | None = None) -> dict[str, str]:
    """Every kind's name in the current language by its key (``Activity.type_key``): the
    tenant's kinds in the dictionary's order, the tenant's own label first, then any of
    the program's kinds the dictionary lacks."""
    lang = current_language()
    if entries is None:
        entries = _kind_entries()
    labels = {entry.key: entry.label(lang) or str(KIND_LABELS.get(entry.key, entry.key))
              for entry in entries}
    return {**labels, **{kind: str(KIND_LABELS[kind]) for kind in KINDS
                         if kind not in labels}}


def kind_behaviours() -> dict[str, str]:
    """Each kind's key with the program's kind its activities behave as."""
    return {**{kind: kind for kind in KINDS},
            **{entry.key: entry.behaviour for entry in _kind_entries() if entry.behaviour}}


def own_kinds() -> list[tuple[str, str, str]]:
    """(key, label, behaviour) of the tenant's own active kinds, in the dictionary's order."""
    lang = current_language()
    return [(entry.key, entry.label(lang) or entry.key, entry.behaviour)
            for entry in _kind_entries()
            if entry.active and entry.key not in KINDS and entry.behaviour]


def kind_choices(include: str | None = None) -> list[tuple[str, str]]:
    """The kinds offered for a new choice: the tenant's active kinds, plus ``include``
    (the kind a record already has)."""
    entries = _kind_entries()
    inactive = {entry.key for entry in entries if not entry.active}
    return [(key, label) for key, label in kind_labels(entries).items()
            if key not in inactive or key == include]


def _resolve_kind(activity: Activity) -> None:
    """The kind chosen (``kind_key``, else ``kind``) is the program's own or one of the
    tenant's (E8): the activity then behaves as that kind's behaviour."""
    key = activity.kind_key or activity.kind
    if key in KINDS:
        activity.kind, activity.kind_key = key, None
        return
    behaviour = kind_behaviours().get(key)
    if behaviour is None:
        raise ServiceError(_l("Not a valid choice."), field="kind")
    activity.kind, activity.kind_key = behaviour, key


# --- who may take part ----------------------------------------------------------------

def counterparty(contact: Contact) -> Organisation:
    """The organisation an activity with this one contact (an e-mail, a letter) is
    filed under: its current one; the private customers' for a private contact."""
    if contact.kind == KIND_PRIVATE:
        organisation = organisations.private_customers()
        if organisation.id is None:
            db.session.flush()  # made just now; prepare() checks it by id
        return organisation
    if contact.organisation is not None:
        return contact.organisation
    raise ServiceError(_l("%(name)s works at no organisation now; add an employment first.",
                          name=contact.full_name))


def eligible_condition(organisation: Organisation) -> ColumnElement:
    """Contacts who may be added to an activity with the organisation: its current
    employees; for the private-customers organisation also every private customer."""
    employed = select(Employment.contact_id).where(
        Employment.organisation_id == organisation.id,
        or_(Employment.end_date.is_(None), Employment.end_date >= date.today()))
    if organisation.is_private_customers:
        return or_(Contact.id.in_(employed), Contact.kind == KIND_PRIVATE)
    return Contact.id.in_(employed)


def eligible_contacts(organisation_id: int, search: str = "", *, offset: int = 0,
                      limit: int | None = None) -> list[Contact]:
    """The persons who may take part in an activity with the organisation, by name;
    ``search`` matches like the contact list search. Nobody for an organisation of
    another tenant (the session does not find it)."""
    with db.session.no_autoflush:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None:
            return []
        query = select(Contact).where(eligible_condition(organisation))
        condition = contact_service.search_condition(search) if search else None
        if condition is not None:
            query = query.where(condition)
        query = query.order_by(Contact.last_name, Contact.first_name, Contact.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return list(db.session.scalars(query))


def persons(contact_ids: Iterable[int]) -> list[Contact]:
    """The tenant's contacts with these ids (another tenant's ids find nothing)."""
    ids = list(dict.fromkeys(contact_ids))
    if not ids:
        return []
    with db.session.no_autoflush:
        return list(db.session.scalars(select(Contact).where(Contact.id.in_(ids))
                                       .order_by(Contact.last_name, Contact.first_name)))


def set_persons(activity: Activity, contact_ids: Iterable[int]) -> None:
    """Make these contacts the activity's persons; an id that names no contact of the
    tenant is refused (whether they may take part is checked by :func:`prepare`)."""
    ids = list(dict.fromkeys(contact_ids))
    found = persons(ids)
    if len(found) < len(ids):
        raise ServiceError(PERSONS_MESSAGE, field="contacts")
    activity.contacts = found


# --- checking and saving --------------------------------------------------------------

@dataclass(frozen=True)
class StoredState:
    """What the database holds for an activity, whatever the session has changed."""

    organisation_id: int | None
    completed: bool
    contact_ids: frozenset[int]


def stored_state(activity: Activity) -> StoredState | None:
    if activity.id is None:
        return None
    with db.session.no_autoflush:
        row = db.session.execute(select(Activity.organisation_id, Activity.completed)
                                 .where(Activity.id == activity.id)).first()
        if row is None:
            return None
        contact_ids = frozenset(db.session.scalars(
            select(activity_contact.c.contact_id)
            .where(activity_contact.c.activity_id == activity.id)))
    return StoredState(row.organisation_id, bool(row.completed), contact_ids)


def is_editable(activity: Activity) -> bool:
    """Whether the activity may be changed: it was not completed when last saved."""
    stored = stored_state(activity)
    return stored is None or not stored.completed


def ensure_editable(activity: Activity) -> None:
    """Raise ServiceError for a completed activity (E6): nobody changes or deletes it."""
    if not is_editable(activity):
        raise ServiceError(COMPLETED_MESSAGE)


def prepare(activity: Activity, *, is_new: bool, creator_id: int | None = None) -> None:
    """Check an activity and fill in its defaults before it is saved; raise
    ServiceError (with the form field it concerns) for what the rules refuse."""
    with db.session.no_autoflush:  # the checks must not flush the unsaved activity
        stored = None if is_new else stored_state(activity)
        if stored is not None and stored.completed:
            raise ServiceError(COMPLETED_MESSAGE)
        _resolve_kind(activity)
        _check_parties(activity, stored)
        _check_texts(activity)
        _check_times(activity)
        _apply_kind_fields(activity)
        dictionaries.check_entry(activity.priority, PRIORITY, "priority")
        dictionaries.check_entry(activity.category, ACTIVITY_CATEGORY, "category")
        if is_new and activity.employee is None and creator_id is not None:
            activity.employee = db.session.get(User, creator_id)


def _check_parties(activity: Activity, stored: StoredState | None) -> None:
    organisation = activity.organisation
    if organisation is None:
        raise ServiceError(_l("Choose the organisation the activity is with."),
                           field="organisation")
    if not activity.contacts:
        raise ServiceError(_l("Add at least one contact person."), field="contacts")
    kept = (stored.contact_ids if stored is not None
            and stored.organisation_id == organisation.id else frozenset())
    added = {contact.id for contact in activity.contacts} - kept
    if not added:
        return
    if None in added or organisation.id is None:
        raise ServiceError(PERSONS_MESSAGE, field="contacts")
    allowed = set(db.session.scalars(select(Contact.id).where(
        Contact.id.in_(added), eligible_condition(organisation))))
    if allowed != added:
        raise ServiceError(PERSONS_MESSAGE, field="contacts")


def _check_texts(activity: Activity) -> None:
    activity.subject = " ".join((activity.subject or "").split())
    activity.body = (activity.body or "").strip() or None
    if activity.kind == NOTE and activity.body:
        activity.subject = subject_from(activity.body)  # a note is its text (E1)
    elif activity.kind == NOTE and not activity.planned:
        raise ServiceError(_l("This field is required."), field="body")
    elif activity.kind == NOTE:
        # a planned note (e.g. a follow-up) is written when it happens; until then its
        # title is the one it was planned with, or its kind
        activity.subject = activity.subject or kind_labels().get(activity.type_key, NOTE)
    elif not activity.subject:
        raise ServiceError(_l("This field is required."), field="subject")
    activity.subject = activity.subject[:300]


def subject_from(body: str) -> str:
    """A note's list title: its first line, shortened."""
    first_line = next((line for line in body.splitlines() if line.strip()), "")
    words = " ".join(first_line.split())
    if len(words) <= SUBJECT_FROM_NOTE_LENGTH:
        return words
    return words[:SUBJECT_FROM_NOTE_LENGTH - 1].rstrip() + "…"


def _check_times(activity: Activity) -> None:
    minutes = activity.duration_minutes
    if minutes is not None and not 0 <= minutes <= MAX_DURATION_MINUTES:
        raise ServiceError(_l("The duration must be between 0 and %(most)s minutes.",
                              most=MAX_DURATION_MINUTES), field="duration_minutes")
    activity.starts_at = to_utc(activity.starts_at) or utcnow()
    activity.ends_at = to_utc(activity.ends_at)
    if activity.ends_at is not None and activity.ends_at < activity.starts_at:
        raise ServiceError(_l("The end cannot be before the start."), field="ends_at")


def _apply_kind_fields(activity: Activity) -> None:
    """Keep only the details of the activity's own kind (a note has no location)."""
    if activity.kind == MEETING:
        activity.location = (activity.location or "").strip() or None
    else:
        activity.location = activity.ends_at = None
    if activity.kind != CALL:
        activity.direction = activity.phone_number = activity.outcome = None
        return
    if activity.direction not in (None, CALL_IN, CALL_OUT):
        raise ServiceError(_l("Not a valid choice."), field="direction")
    organisation = activity.organisation
    country = organisation.country or organisation.registration_country
    activity.phone_number = identifiers.normalise_phone(
        activity.phone_number, country, field="phone_number")
    activity.outcome = (activity.outcome or "").strip()[:300] or None


# --- next contact (E4) ----------------------------------------------------------------

@dataclass(frozen=True)
class FollowUp:
    """When the next contact after an activity is due: ``every`` hours, days or weeks
    (``unit``) after its start, or ``on`` a day or at a time."""

    every: int | None = None
    unit: str | None = None
    on: date | datetime | None = None

    @property
    def asked(self) -> bool:
        return self.every is not None or self.on is not None


def follow_up_start(start: datetime, follow_up: FollowUp) -> datetime:
    """When the next contact is due. Days and weeks count on the display time zone's
    wall clock (at the hour of ``start`` for a day); hours are elapsed time."""
    start = to_utc(start)
    every, unit, on = follow_up.every, follow_up.unit, follow_up.on
    if on is not None and every is None:
        if not supported(on):
            raise ServiceError(OUT_OF_RANGE, field="follow_up_on")
        return _at_day_or_time(start, on)
    if every is None or on is not None:  # neither, or both
        raise ServiceError(EITHER_WAY, field="follow_up_in")
    if unit not in FOLLOW_UP_UNITS:
        raise ServiceError(_l("Not a valid choice."), field="follow_up_unit")
    if not 1 <= every <= MAX_FOLLOW_UP_STEPS:
        raise ServiceError(_l("Give a number from 1 to %(most)s.", most=MAX_FOLLOW_UP_STEPS),
                           field="follow_up_in")
    if unit == HOURS:
        return start + timedelta(hours=every)
    days = every * 7 if unit == WEEKS else every
    return _local_to_utc(_local(start) + timedelta(days=days))


def _at_day_or_time(start: datetime, on: date | datetime) -> datetime:
    if isinstance(on, datetime):
        return to_utc(on) if on.tzinfo is not None else _local_to_utc(on)
    return _local_to_utc(datetime.combine(on, _local(start).time()))


def _local(moment: datetime) -> datetime:
    """The wall-clock time (naive) in the display time zone."""
    return moment.astimezone(display_zone()).replace(tzinfo=None)


def _local_to_utc(wall_clock: datetime) -> datetime:
    return to_utc(wall_clock.replace(tzinfo=display_zone()))


def schedule_follow_up(activity: Activity, follow_up: FollowUp) -> Activity:
    """Create the planned next contact: the same kind, organisation, persons, case and
    employee (and subject, priority, category, place or number), starting at the time
    :func:`follow_up_start` gives; this activity links to it. It is added to the
    session and saved with it."""
    starts_at = follow_up_start(activity.starts_at, follow_up)
    planned = Activity(
        kind=activity.kind, kind_key=activity.kind_key, subject=activity.subject,
        starts_at=starts_at,
        organisation=activity.organisation, contacts=list(activity.contacts),
        case=activity.case, project=activity.project, employee=activity.employee,
        priority=activity.priority,
        category=activity.category, planned=True, completed=False,
        location=activity.location, direction=activity.direction,
        phone_number=activity.phone_number)
    if activity.kind == MEETING and activity.ends_at is not None:
        planned.ends_at = starts_at + (to_utc(activity.ends_at) - to_utc(activity.starts_at))
    db.session.add(planned)
    activity.follow_up = planned
    return planned


def plan_next_contact(activity: Activity, follow_up: FollowUp | None) -> Activity | None:
    """The planned next contact when one is asked for (see :func:`schedule_follow_up`)."""
    if follow_up is None or not follow_up.asked:
        return None
    return schedule_follow_up(activity, follow_up)


# --- completion, ownership, lists -----------------------------------------------------

def reopen(activity: Activity, by: User) -> None:
    """An administrator makes a completed activity editable again; the change history
    records it like any change of the completed flag."""
    if not by.is_admin:
        raise ServiceError(_l("Only an administrator can reopen a completed activity."))
    activity.completed = False


def change_employee(activity_ids: Iterable[int], employee_id: int) -> int:
    """Give several meetings a new owner (D8). Ids of other kinds, of completed meetings
    or of another tenant are passed over; returns how many meetings changed hands."""
    with db.session.no_autoflush:
        employee = db.session.get(User, employee_id)
        if employee is None or not employee.active:
            raise ServiceError(_l("Not a valid choice."), field="employee")
        meetings = list(db.session.scalars(select(Activity).where(
            Activity.id.in_(list(activity_ids)), Activity.kind == MEETING,
            Activity.completed.is_(False), Activity.employee_id.is_distinct_from(employee.id))))
    for meeting in meetings:
        meeting.employee = employee
    return len(meetings)


def planned_condition() -> ColumnElement:
    return and_(Activity.planned.is_(True), Activity.completed.is_(False))


def is_overdue(activity: Activity, now: datetime | None = None) -> bool:
    """A planned, not completed activity whose time has passed."""
    return (bool(activity.planned) and not activity.completed
            and to_utc(activity.starts_at) < (now or datetime.now(UTC)))


def planned_for(user_id: int, limit: int | None = None) -> list[Activity]:
    """The user's planned, not completed activities, the soonest first (for "My tasks"
    and the calendar), with what a list shows loaded."""
    query = (select(Activity).where(Activity.employee_id == user_id, planned_condition())
             .options(*list_load_options()).order_by(Activity.starts_at, Activity.id))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def list_load_options() -> tuple:
    """Eager loading of what an activity list shows, in a fixed number of queries."""
    return (joinedload(Activity.organisation), joinedload(Activity.employee),
            joinedload(Activity.case), joinedload(Activity.project),
            selectinload(Activity.contacts))


def project_condition(search: str) -> ColumnElement:
    """Activities about a project whose name has every word of the search."""
    condition = every_word_in(search, Project.name)
    return Activity.project_id.in_(select(Project.id).where(
        condition if condition is not None else Project.id.is_(None)))


def contact_condition(contact_id: int) -> ColumnElement:
    """Activities the contact takes part in."""
    return Activity.id.in_(select(activity_contact.c.activity_id)
                           .where(activity_contact.c.contact_id == contact_id))


def search_condition(search: str) -> ColumnElement | None:
    """Every word must be in the subject or the note."""
    return every_word_in(search, Activity.subject, Activity.body)


# --- opening the form from a record ---------------------------------------------------

@dataclass(frozen=True)
class Prefill:
    organisation: Organisation | None = None
    contacts: tuple[Contact, ...] = ()
    case: Case | None = None
    kind: str | None = None
    project: Project | None = None


def prefill(*, organisation_id: int | None = None, contact_id: int | None = None,
            case_id: int | None = None, project_id: int | None = None,
            kind: str | None = None) -> Prefill:
    """What a new activity opened from an organisation, a contact, a case or a project
    starts with: the organisation (a contact's primary one, a case's, a project's), and
    the person when they may take part. Ids of another tenant or of nothing give
    nothing."""
    with db.session.no_autoflush:
        project = db.session.get(Project, project_id) if project_id else None
        case = db.session.get(Case, case_id) if case_id else None
        contact = db.session.get(Contact, contact_id) if contact_id else None
        if contact is None and case is not None:
            contact = case.primary_contact
        organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
        organisation = (organisation or (case.organisation if case else None)
                        or (contact.organisation if contact else None)
                        or (project.organisation if project else None))
        people: tuple[Contact, ...] = ()
        if organisation is not None and contact is not None and db.session.scalar(
                select(Contact.id).where(Contact.id == contact.id,
                                         eligible_condition(organisation))):
            people = (contact,)
    return Prefill(organisation, people, case, kind if kind in kind_behaviours() else None,
                   project)

