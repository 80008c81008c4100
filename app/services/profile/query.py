"""What the profile tabs (services.profile.tabs) share: their query-string parameters,
paging in the database, and the SQL conditions naming the records of a profile's
subject (a contact, or an organisation and its people): its Scope."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import DateTime, Row, Select, and_, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Activity, Case, Contact, Task
from app.models.activity import activity_contact
from app.services.activities.activities import contact_condition
from app.services.conditions import id_in_any
from app.services.contacts.employments import current_people
from app.services.dates import UnreadableDate, parse_date
from app.services.text import record_id
from app.services.times import display_zone
from app.services.work import cases

PAGE_SIZE = 20
LARGEST_PAGE = 10**9  # beyond any tab's records, and an offset every database takes


# --- the query string -----------------------------------------------------------------

class Args:
    """The profile's query string. Each tab reads its own prefixed parameters
    (``cases_status``, ``timeline_page`` …); its links and GET forms keep the others,
    so a filter in one tab survives a visit to another."""

    def __init__(self, args: Mapping[str, str]) -> None:
        items = args.items(multi=True) if isinstance(args, MultiDict) else args.items()
        self.pairs = [(key, str(value)) for key, value in items]

    def values(self, name: str) -> list[str]:
        return [value.strip() for key, value in self.pairs if key == name and value.strip()]

    def text(self, name: str) -> str:
        found = self.values(name)
        return found[0] if found else ""

    def number(self, name: str) -> int | None:
        return record_id(self.text(name))

    def numbers(self, name: str) -> list[int]:
        return [n for n in map(record_id, self.values(name)) if n is not None]

    def day(self, name: str) -> date | None:
        """The day, None when it is none or outside the supported years."""
        try:  # ISO from the browser's date input; the language's way typed by hand
            return parse_date(self.text(name))
        except UnreadableDate:
            return None

    def page(self, name: str) -> int:
        return self.number(name) or 1

    def link(self, **changes: str | int | Iterable | None) -> str:
        """This page's query string with the named parameters replaced (None drops
        one, a list gives it several values)."""
        pairs = [(key, value) for key, value in self.pairs if key not in changes]
        for key, value in changes.items():
            if value is None or value == "":
                continue
            values = value if isinstance(value, list | tuple | set) else [value]
            pairs += [(key, str(item)) for item in values]
        return "?" + urlencode(pairs)

    def page_link(self, param: str, number: int) -> str:
        return self.link(**{param: number})

    def cleared(self, prefix: str) -> str:
        """This page's query string without the parameters of one tab (its filters)."""
        return self.link(**{key: None for key, _value in self.pairs if key.startswith(prefix)})

    def kept(self, *prefixes: str) -> list[tuple[str, str]]:
        """The parameters a GET form must carry as hidden fields: all but its own."""
        return [(key, value) for key, value in self.pairs if not key.startswith(prefixes)]


# --- paging in the database ------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    """One page of a tab's records; ``param`` is the query parameter of its number."""

    items: list
    number: int
    total: int
    param: str
    size: int = PAGE_SIZE

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def holding(self, items: list) -> Page:
        """This page with other items (the same records, wrapped for the template)."""
        return replace(self, items=items)

    def numbers(self) -> list[int | None]:
        """Page numbers to link: the first, the last and two either side of this one;
        None where numbers are left out."""
        shown = sorted(n for n in {1, self.last, *range(self.number - 2, self.number + 3)}
                       if 1 <= n <= self.last)
        result: list[int | None] = []
        for n in shown:
            if result and n > (result[-1] or 0) + 1:
                result.append(None)
            result.append(n)
        return result


def count_rows(query: Select) -> int:
    return db.session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery())) or 0


def page_of(total: int, number: int, param: str, size: int = PAGE_SIZE) -> Page:
    """An empty page of that number (kept within the pages there are)."""
    last = Page([], 1, total, param, size).last
    return Page([], min(max(number, 1), last), total, param, size)


def page_rows(ordered: Select, number: int, param: str) -> tuple[Sequence[Row[Any]], Page]:
    """The rows of page ``number`` of ``ordered`` and the page. The total comes with the
    rows (a window count beside each, the rows' last column): the records are asked
    once, not counted and then read again (the profile's timeline: 4.3 and 4.1 ms at 500
    activities on PostgreSQL, 4.7 in one). Past the last page, or with none at all, the
    count comes first and the last page is read."""
    counted = ordered.add_columns(func.count().over())
    number = min(max(number, 1), LARGEST_PAGE)
    rows = db.session.execute(counted.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    if rows:
        return rows, page_of(rows[0][-1], number, param)
    page = page_of(count_rows(ordered), number, param)
    if page.total:
        rows = db.session.execute(counted.limit(page.size).offset(page.offset)).all()
    return rows, page


def paginate(query: Select, number: int, param: str, *options) -> Page:
    """The page's records of ``query`` (a select of one entity) and the page."""
    rows, page = page_rows(query.options(*options), number, param)
    return page.holding([row[0] for row in rows])


# --- periods ---------------------------------------------------------------------------

def day_start(day: date) -> datetime:
    """The UTC moment a day starts in the display time zone."""
    return datetime.combine(day, time()).replace(tzinfo=display_zone()).astimezone(UTC)


def period(column, start: date | None, end: date | None, *,
           moments: bool = True) -> list[ColumnElement]:
    """``column`` within the days from ``start`` to ``end`` (both included, either
    may be open); ``moments`` for a time column, else a date column."""
    conditions = []
    if start is not None:
        conditions.append(column >= (day_start(start) if moments else start))
    if end is not None:
        conditions.append(column < day_start(end + timedelta(days=1)) if moments
                          else column <= end)
    return conditions


class day_moment(FunctionElement):  # noqa: N801 - used like a SQL function
    """A date column as the moment its day starts (UTC), so that dates and times sort
    together in one column (the timeline's UNION)."""

    type = DateTime(timezone=True)
    inherit_cache = True


@compiles(day_moment)
def _day_moment(element, compiler, **kw) -> str:
    return f"(CAST({compiler.process(element.clauses, **kw)} AS TIMESTAMP) AT TIME ZONE 'UTC')"


@compiles(day_moment, "sqlite")
def _day_moment_sqlite(element, compiler, **kw) -> str:
    # SQLite keeps times as text ("2024-05-02 10:00:00.000000"); datetime() gives a
    # date the same shape, so text order is time order. CAST would make it a number.
    return f"datetime({compiler.process(element.clauses, **kw)})"


# --- a contact's records -----------------------------------------------------------------

def case_of_contact(contact_id: int) -> ColumnElement:
    """Cases the contact is the primary or a secondary party of."""
    return cases.party_condition(Contact.id == contact_id)


def contact_cases(contact_id: int) -> Select:
    """The ids of the contact's cases (case_of_contact)."""
    return select(Case.id).where(case_of_contact(contact_id))


def tasks_about(contact_id: int) -> ColumnElement:
    """Tasks about the contact: on the contact, or on one of the contact's cases."""
    return id_in_any(Task.id, select(Task.id).where(Task.contact_id == contact_id),
                     select(Task.id).where(Task.case_id.in_(contact_cases(contact_id))))


def activities_of(contact_id: int, kind: str | None = None) -> Select:
    """The contact's activities (of one kind), newest first."""
    return activities_in(contact_scope(contact_id), kind)


# --- whose records a profile shows ------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """The records a profile shows, as SQL conditions on Activity, Case and Task: a
    contact's, or an organisation's and its people's. The timeline, the tabs and their
    counts are written once against a Scope."""

    activities: ColumnElement
    cases: ColumnElement
    tasks: ColumnElement

    def narrowed(self, other: Scope) -> Scope:
        """Only the records in both scopes (an organisation's, with one of its people)."""
        return Scope(and_(self.activities, other.activities), and_(self.cases, other.cases),
                     and_(self.tasks, other.tasks))


def contact_scope(contact_id: int) -> Scope:
    return Scope(contact_condition(contact_id), case_of_contact(contact_id),
                 tasks_about(contact_id))


def organisation_scope(organisation_id: int) -> Scope:
    """B13: the activities with the organisation or with any of its current people
    (a former employee's later activities are no longer its business), its cases, and
    the tasks on its cases or about its current people."""
    people = current_people(organisation_id)
    with_people = select(activity_contact.c.activity_id).where(
        activity_contact.c.contact_id.in_(people))
    its_cases = Case.organisation_id == organisation_id
    return Scope(id_in_any(Activity.id,
                           select(Activity.id).where(Activity.organisation_id == organisation_id),
                           with_people),
                 its_cases,
                 id_in_any(Task.id,
                           select(Task.id).where(Task.case_id.in_(select(Case.id).where(its_cases))),
                           select(Task.id).where(Task.contact_id.in_(people))))


def activities_in(scope: Scope, kind: str | None = None) -> Select:
    """The scope's activities (of one kind), newest first."""
    query = select(Activity).where(scope.activities)
    if kind is not None:
        query = query.where(Activity.kind == kind)
    return query.order_by(Activity.starts_at.desc(), Activity.id.desc())
