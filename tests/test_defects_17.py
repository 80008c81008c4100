"""Regression tests of the functional defects a new user met (issue: the organisation
profile and the functional defects), each named after what it keeps true."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Activity, Contact, DictionaryEntry, Employment, Organisation, Task
from app.models.activity import NOTE
from app.models.dictionary import TASK_STATUS
from app.services.activities import activities
from app.services.work import tasks
from app.tenancy import tenant_context
from app.transactions import commit_or_refuse
from tests.conftest import user_id

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def organisation_with_person(tenant_id: int) -> tuple[int, int]:
    with tenant_context(tenant_id):
        organisation = Organisation(name="Nordlys ApS", country="DK")
        person = Contact(first_name="Jens", last_name="Hansen", kind="company",
                         email="jens@nordlys.example")
        person.employments.append(Employment(organisation=organisation, is_primary=True))
        person.organisation = organisation
        db.session.add_all([organisation, person])
        db.session.commit()
        return organisation.id, person.id


def note_with_follow_up(tenant_id: int, employee_id: int) -> int:
    """A done note whose planned next contact was generated; the follow-up's id."""
    organisation_id, person_id = organisation_with_person(tenant_id)
    with tenant_context(tenant_id):
        note = Activity(kind=NOTE, body="Talte om tilbuddet", starts_at=START,
                        organisation=db.session.get(Organisation, organisation_id),
                        contacts=[db.session.get(Contact, person_id)])

        def save() -> Activity:
            activities.prepare(note, is_new=True, creator_id=employee_id)
            db.session.add(note)
            return activities.schedule_follow_up(note, activities.FollowUp(every=2,
                                                                           unit="days"))

        return commit_or_refuse(save).value.id


# --- 4: a planned activity needs no note ---------------------------------------------

def test_a_generated_follow_up_is_moved_without_typing_a_note(admin_client, tenant_a):
    admin = user_id(tenant_a.id, "admin@alpha.example")
    follow_up_id = note_with_follow_up(tenant_a.id, admin)
    with tenant_context(tenant_a.id):
        follow_up = db.session.get(Activity, follow_up_id)
        assert follow_up.planned and not follow_up.body
        follow_up.starts_at = START + timedelta(days=5)
        moved = commit_or_refuse(lambda: activities.prepare(follow_up, is_new=False))
        assert moved, moved.refusal
        organisation_id = follow_up.organisation_id
        person_ids = ",".join(str(contact.id) for contact in follow_up.contacts)
    response = admin_client.post(f"/admin/activity/edit/?id={follow_up_id}", data={
        "kind": NOTE, "starts_at": "2026-03-12 10:00", "organisation": str(organisation_id),
        "contacts": person_ids, "planned": "y"})
    assert response.status_code == 302, refusals_in(response.get_data(as_text=True))


def test_a_done_note_still_needs_its_text(app, tenant_a):
    organisation_id, person_id = organisation_with_person(tenant_a.id)
    with tenant_context(tenant_a.id):
        note = Activity(kind=NOTE, starts_at=START,
                        organisation=db.session.get(Organisation, organisation_id),
                        contacts=[db.session.get(Contact, person_id)])
        refused = commit_or_refuse(lambda: activities.prepare(note, is_new=True))
    assert not refused and refused.refusal.field == "body"


# --- 5: a cancelled task is not "done"; overdue planned items are flagged -------------

def task_with_status(tenant_id: int, contact_id: int, status_key: str) -> int:
    with tenant_context(tenant_id):
        status = db.session.scalar(select(DictionaryEntry).where(
            DictionaryEntry.dictionary == TASK_STATUS, DictionaryEntry.key == status_key))
        task = Task(title=f"Ring om levering ({status_key})", status=status,
                    contact_id=contact_id)
        made = commit_or_refuse(lambda: _added(task, tasks.prepare(task, is_new=True)))
        return made.value.id


def _added(record, _prepared=None):
    db.session.add(record)
    return record


def test_a_cancelled_task_is_not_shown_as_done_in_the_timeline(admin_client, tenant_a):
    _organisation, person = organisation_with_person(tenant_a.id)
    done = task_with_status(tenant_a.id, person, "done")
    cancelled = task_with_status(tenant_a.id, person, "cancelled")
    page = admin_client.get(f"/admin/contact/{person}/profile?tab=timeline").get_data(
        as_text=True)
    done_item = item_of(page, f"timeline-task-{done}")
    cancelled_item = item_of(page, f"timeline-task-{cancelled}")
    assert "badge-success" in done_item and "Opgave udført" in done_item
    assert "badge-success" not in cancelled_item and "Opgave udført" not in cancelled_item
    assert "Annulleret" in cancelled_item


def test_overdue_planned_activities_are_flagged_on_the_profile_and_in_my_tasks(
        admin_client, tenant_a):
    admin = user_id(tenant_a.id, "admin@alpha.example")
    late = note_with_follow_up(tenant_a.id, admin)  # planned two days after 2026-03-02
    with tenant_context(tenant_a.id):
        person = db.session.get(Activity, late).contacts[0].id
    profile = admin_client.get(f"/admin/contact/{person}/profile?tab=timeline").get_data(
        as_text=True)
    assert "kontakt-overdue" in item_of(profile, f"timeline-activity-{late}")
    my_tasks = admin_client.get("/admin/my_tasks/").get_data(as_text=True)
    planned = item_of(my_tasks, "my-planned-activities")
    assert re.search(r'kontakt-overdue[^>]*>Overskredet', planned)


def item_of(page: str, element_id: str) -> str:
    start = page.index(f'id="{element_id}"')
    end = page.find("</li>", start)
    return page[start:end if end > 0 else None]


def refusals_in(page: str) -> list[str]:
    return [text.strip() for text in re.findall(r"<li>([^<]*)</li>", page) if text.strip()]
