"""The profile's tasks tab script (D2): status, due time, assignee and priority changed
in place through the task list's in-place endpoint, CSRF on, without a page reload;
a refused change is shown and the control goes back to the stored value."""

from __future__ import annotations

from datetime import UTC, datetime

from app.models import Task
from app.models.dictionary import PRIORITY, TASK_STATUS
from app.services.times import to_utc
from tests.browser.conftest import log_in
from tests.conftest import entry_id, reload, user_id
from tests.test_activities import make_person
from tests.test_cases import make_task
from tests.test_contacts import make_organisation


def stored(tenant_id: int, task_id: int) -> Task:
    return reload(Task, tenant_id, task_id)


def test_task_fields_are_changed_in_place(page, tenant_a):
    person = make_person(tenant_a.id, make_organisation(tenant_a.id))
    task_id = make_task(tenant_a.id, "Ring tilbage", contact_id=person)
    colleague = user_id(tenant_a.id, "user@alpha.example")
    log_in(page, "admin@alpha.example")
    page.goto(f"/admin/contact/{person}/profile?tab=tasks")
    page.evaluate("window.notReloaded = true")
    row = f"#profile-task-{task_id}"

    def change(selector: str, value: str) -> None:
        page.select_option(f"{row} {selector}", value)
        page.wait_for_selector(f"{row} .kontakt-inplace-message.text-success")
        page.evaluate(f"document.querySelector('{row} .kontakt-inplace-message')"
                      ".className = 'kontakt-inplace-message'")

    change("select[name=assignee]", str(colleague))
    change("select[name=priority]", str(entry_id(tenant_a.id, PRIORITY, "high")))
    change("select[name=status]", str(entry_id(tenant_a.id, TASK_STATUS, "waiting")))
    page.fill(f"{row} input[name=due_at]", "2026-03-01T10:00")
    page.dispatch_event(f"{row} input[name=due_at]", "change")
    page.wait_for_selector(f"{row} .kontakt-inplace-message.text-success")

    task = stored(tenant_a.id, task_id)
    assert task.assignee_id == colleague
    assert task.priority_id == entry_id(tenant_a.id, PRIORITY, "high")
    assert task.status_id == entry_id(tenant_a.id, TASK_STATUS, "waiting")
    assert to_utc(task.due_at) == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert page.evaluate("window.notReloaded") is True


def test_a_refused_change_is_shown_and_undone(page, tenant_a):
    person = make_person(tenant_a.id, make_organisation(tenant_a.id))
    task_id = make_task(tenant_a.id, "Ring tilbage", contact_id=person)
    log_in(page, "admin@alpha.example")
    page.goto(f"/admin/contact/{person}/profile?tab=tasks")
    row = f"#profile-task-{task_id}"
    before = page.input_value(f"{row} select[name=status]")
    page.evaluate(f"""() => {{  // a choice the server does not know (another tenant's)
        const select = document.querySelector('{row} select[name=status]');
        select.add(new Option('x', '999999'));
        select.value = '999999';
        select.dispatchEvent(new Event('change'));
    }}""")
    page.wait_for_selector(f"{row} .kontakt-inplace-message.text-danger")
    assert page.input_value(f"{row} select[name=status]") == before
    assert stored(tenant_a.id, task_id).status_id == int(before)
