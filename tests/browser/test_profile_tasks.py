"""The profile's tasks tab script (D2): status, due time, assignee and priority changed
in place through the task list's in-place endpoint, CSRF on, without a page reload;
a refused change is shown and the control goes back to the stored value."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.sync_api import expect

from app.models import Task
from app.models.dictionary import PRIORITY, TASK_STATUS
from app.services.times import to_utc
from tests.browser.conftest import log_in
from tests.conftest import entry_id, reload, user_id
from tests.factories import gen_contact, gen_organisation, gen_task


def stored(tenant_id: int, task_id: int) -> Task:
    return reload(Task, tenant_id, task_id)


def test_task_fields_are_changed_in_place(page, tenant_a):
    person = gen_contact(tenant_a.id, gen_organisation(tenant_a.id))
    task_id = gen_task(tenant_a.id, "Ring tilbage", contact_id=person)
    colleague = user_id(tenant_a.id, "user@alpha.example")
    log_in(page, "admin@alpha.example")
    page.goto(f"/admin/contact/{person}/profile?tab=tasks")
    page.evaluate("window.notReloaded = true")
    row = f"#profile-task-{task_id}"

    message = page.locator(f"{row} .kontakt-inplace-message")

    def saved() -> None:
        expect(message).to_have_class(re.compile(r"\btext-success\b"))
        page.evaluate(f"document.querySelector('{row} .kontakt-inplace-message')"
                      ".className = 'kontakt-inplace-message'")  # ready for the next change

    def change(selector: str, value: str) -> None:
        page.select_option(f"{row} {selector}", value)
        saved()

    change("select[name=assignee]", str(colleague))
    change("select[name=priority]", str(entry_id(tenant_a.id, PRIORITY, "high")))
    change("select[name=status]", str(entry_id(tenant_a.id, TASK_STATUS, "waiting")))
    page.fill(f"{row} input[name=due_at]", "2026-03-01T10:00")
    page.dispatch_event(f"{row} input[name=due_at]", "change")
    saved()

    task = stored(tenant_a.id, task_id)
    assert task.assignee_id == colleague
    assert task.priority_id == entry_id(tenant_a.id, PRIORITY, "high")
    assert task.status_id == entry_id(tenant_a.id, TASK_STATUS, "waiting")
    assert to_utc(task.due_at) == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert page.evaluate("window.notReloaded") is True


def test_a_refused_change_is_shown_and_undone(page, tenant_a):
    person = gen_contact(tenant_a.id, gen_organisation(tenant_a.id))
    task_id = gen_task(tenant_a.id, "Ring tilbage", contact_id=person)
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
    expect(page.locator(f"{row} .kontakt-inplace-message")).to_have_class(
        re.compile(r"\btext-danger\b"))
    expect(page.locator(f"{row} select[name=status]")).to_have_value(before)
    assert stored(tenant_a.id, task_id).status_id == int(before)
