"""Task rules (C2): a task starts in the first active status and with its creator as
assignee; it is completed when its status is a "done" one (completed_at set) and open
again when it goes back; it is overdue when open and past its due time. Times are kept
in UTC."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.elements import ColumnElement

from app.extensions import db
from app.models import Case, Contact, DictionaryEntry, Task, User
from app.models.base import utcnow
from app.models.dictionary import PRIORITY, TASK_STATUS
from app.services import dictionaries
from app.services.errors import ServiceError
from app.services.text import required_text
from app.services.times import to_utc


def prepare(task: Task, *, is_new: bool, creator_id: int | None = None) -> None:
    """Check a task and fill in its defaults and completion before it is saved; raise
    ServiceError (with the form field it concerns) for what the rules refuse."""
    with db.session.no_autoflush:  # the checks must not flush the unsaved task
        task.title = required_text(task.title, "title")
        if task.status is None:
            task.status = dictionaries.default_entry(TASK_STATUS)
        if task.status is None:
            raise ServiceError(_l("There is no active task status. An administrator adds "
                                  "one under Administration."), field="status")
        dictionaries.check_entry(task.status, TASK_STATUS, "status")
        dictionaries.check_entry(task.priority, PRIORITY, "priority")
        if is_new and task.assignee is None and creator_id is not None:
            task.assignee = db.session.get(User, creator_id)
        task.due_at, task.completed_at = to_utc(task.due_at), to_utc(task.completed_at)
        apply_completion(task)


def apply_completion(task: Task) -> None:
    """A done status completes the task (once: the first completion time is kept while
    it stays done); any other status reopens it."""
    if task.status is not None and task.status.is_done:
        task.completed_at = task.completed_at or utcnow()
    else:
        task.completed_at = None


def is_overdue(task: Task, now: datetime | None = None) -> bool:
    return (task.due_at is not None and not task.status.is_done
            and to_utc(task.due_at) < (now or utcnow()))


def open_condition() -> ColumnElement:
    """Tasks whose status is not a done one."""
    return Task.status_id.in_(select(DictionaryEntry.id).where(
        DictionaryEntry.dictionary == TASK_STATUS, DictionaryEntry.is_done.is_(False)))


def overdue_condition(now: datetime | None = None) -> ColumnElement:
    return and_(Task.due_at < (now or utcnow()), open_condition())


def overdue_filter(overdue: bool) -> ColumnElement:
    """Tasks that are overdue, or (False) all the others, undated ones included."""
    if overdue:
        return overdue_condition()
    return Task.id.not_in(select(Task.id).where(overdue_condition()))


def open_tasks_of(user_id: int) -> ColumnElement:
    """The user's own tasks that are still open ("My tasks")."""
    return and_(Task.assignee_id == user_id, open_condition())


def overdue_first() -> list[ColumnElement]:
    """ORDER BY of open tasks: overdue ones first, then by due time, undated last. By
    due time alone: the overdue are the earliest anyway. A test of the clock in the
    ORDER BY kept the database from reading a user's tasks in the order of their
    (tenant, assignee, due time) index: every open task was sorted for one page."""
    return [Task.due_at.asc().nulls_last(), Task.id.asc()]


def of_case(case_id: int) -> list[Task]:
    """The case's tasks, open and overdue ones first, with what a listing shows."""
    return list(db.session.scalars(
        select(Task).where(Task.case_id == case_id)
        .options(joinedload(Task.status), joinedload(Task.assignee))
        .order_by(Task.completed_at.is_not(None), *overdue_first())))


def prefill(case_id: int | None, contact_id: int | None) -> dict[str, Case | Contact]:
    """Form values of a new task made from a case or a contact ("new task" links): the
    case, and the contact given or else the case's primary contact. Ids that name no
    record of the current tenant give nothing."""
    values: dict[str, Case | Contact] = {}
    found_case = db.session.get(Case, case_id) if case_id is not None else None
    contact = db.session.get(Contact, contact_id) if contact_id is not None else None
    if found_case is not None:
        values["case"] = found_case
        contact = contact or found_case.primary_contact
    if contact is not None:
        values["contact"] = contact
    return values


# --- changes to many tasks at once (bulk actions of the task lists) ------------------

def set_status(task_ids: Iterable[int], status_id: int) -> int:
    """Give the tasks (of the current tenant; other ids are ignored) an active status;
    returns how many were changed."""
    status = db.session.get(DictionaryEntry, status_id)
    if status is None or status.dictionary != TASK_STATUS or not status.active:
        raise ServiceError(_l("Not a valid choice."))
    found = _tasks(task_ids)
    for task in found:
        task.status = status
        apply_completion(task)
    return len(found)


def set_assignee(task_ids: Iterable[int], user_id: int) -> int:
    """Assign the tasks (of the current tenant; other ids are ignored) to an active user
    of the tenant; returns how many were changed."""
    user = db.session.get(User, user_id)
    if user is None or user.is_operator or not user.active:
        raise ServiceError(_l("Not a valid choice."))
    found = _tasks(task_ids)
    for task in found:
        task.assignee = user
    return len(found)


def _tasks(task_ids: Iterable[int]) -> list[Task]:
    ids = sorted(set(task_ids))
    if not ids:
        return []
    return list(db.session.scalars(select(Task).where(Task.id.in_(ids))))
