"""Cases and tasks written from plain values (services.records): their columns, the
records they name, a case's further parties; the rules are the screens'
(services.work.cases, services.work.tasks)."""

from __future__ import annotations

from typing import Any

from app.models import Case, Contact, DictionaryEntry, Organisation, Task, User
from app.services import records
from app.services.work import cases, tasks


def _prepare_case(case: Case, is_new: bool, user: User) -> None:
    cases.prepare(case, is_new=is_new, creator_id=user.id)


def _set_secondary_contacts(case: Case, ids: list[int] | None, _user: User) -> None:
    case.secondary_contacts = records.records_named(Contact, ids, "secondary_contact_ids")


def _prepare_task(task: Task, is_new: bool, user: User) -> None:
    tasks.prepare(task, is_new=is_new, creator_id=user.id)


def _new_case() -> Any:
    return cases.new_case()


CASE = records.Kind(
    model=Case, columns=frozenset({"title", "status", "description", "opened_on"}),
    references={"primary_contact_id": Contact, "organisation_id": Organisation,
                "responsible_user_id": User, "category_id": DictionaryEntry},
    setters={"secondary_contact_ids": _set_secondary_contacts},
    prepare=_prepare_case, new=_new_case)

TASK = records.Kind(
    model=Task, columns=frozenset({"title", "description", "due_at"}),
    references={"status_id": DictionaryEntry, "priority_id": DictionaryEntry,
                "assignee_id": User, "contact_id": Contact, "case_id": Case},
    prepare=_prepare_task)
