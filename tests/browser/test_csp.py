"""The Content-Security-Policy in a real browser (issue 12, point 7): the screens whose
scripts do most — the contact list with a filter, row delete and a bulk action, the
contact form (select2, date picker, inline employments), the profile (tabs, the note
dialog, a panel edited in place), the activity form and the task list's in-place
edits (x-editable) — work, and the browser reports no violation and no script error."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.models import Contact, Task
from tests.browser.conftest import log_in, offered_persons
from tests.conftest import reload
from tests.factories import gen_contact, gen_people, gen_profile_contact, gen_task

REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', function (event) {
  window.reportViolation([event.violatedDirective, event.blockedURI, event.sourceFile,
                          event.lineNumber, event.sample].join(' | '));
});
"""


@pytest.fixture
def problems(page) -> list[str]:
    """What the browser refused or failed to run, from every page the test opens."""
    found: list[str] = []
    page.expose_function("reportViolation", lambda text: found.append(f"violation: {text}"))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("pageerror", lambda error: found.append(f"script error: {error}"))
    page.on("console", lambda message: found.append(f"console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None)
    return found


def accept_dialogs(page, answers: list[bool]) -> list[str]:
    """Answer the page's confirm() dialogs in turn; returns their messages."""
    messages: list[str] = []

    def answer(dialog) -> None:
        messages.append(dialog.message)
        dialog.accept() if answers.pop(0) else dialog.dismiss()

    page.on("dialog", answer)
    return messages


def test_contact_list_filter_delete_and_bulk_action(page, problems, tenant_a):
    gen_profile_contact(tenant_a.id)
    log_in(page, "admin@alpha.example")
    page.goto("/admin/contact/")
    page.click("li.nav-item:has(.field-filters) > a")  # "Add filter"
    page.click(".field-filters a.filter >> text=Efternavn")
    page.fill("#filter_form input.filter-val", "Frederiksen")
    page.click("#filter_form button[type=submit]")
    page.wait_for_url("**flt*")
    assert page.locator("td.col-last_name").all_inner_texts() == ["Frederiksen"]

    asked = accept_dialogs(page, [False, False])
    page.click("td.list-buttons-column button[form]")  # delete, then "no"
    assert problems == []
    page.check("input.action-checkbox")
    page.click("li.nav-item:has([data-model-action]) > a")  # "With selected"
    page.click("[data-model-action=delete]")
    page.wait_for_timeout(200)
    assert len(asked) == 2 and all(asked)
    page.reload()
    assert page.locator("td.col-last_name").count() == 1  # nothing deleted
    assert problems == []


def test_a_rows_delete_button_sends_the_pages_delete_form(page, problems, tenant_a):
    """Each row's button sends the page's one delete form with its row's id, after the
    question; the list comes back without the record."""
    keep = gen_contact(tenant_a.id, first_name="Bodil", last_name="Beholdes")
    gone = gen_contact(tenant_a.id, first_name="Svend", last_name="Slettes")
    log_in(page, "admin@alpha.example")
    page.goto("/admin/contact/")
    asked = accept_dialogs(page, [True])
    page.click(f"td.list-buttons-column button[value='{gone}']")
    page.wait_for_load_state()
    expect(page.locator("td.col-last_name", has_text="Slettes")).to_have_count(0)
    expect(page.locator("td.col-last_name", has_text="Beholdes")).to_have_count(1)
    assert len(asked) == 1
    assert reload(Contact, tenant_a.id, gone) is None
    assert reload(Contact, tenant_a.id, keep) is not None
    assert problems == []


def test_contact_form_widgets(page, problems, tenant_a):
    gen_profile_contact(tenant_a.id)  # an organisation and a tag to choose
    log_in(page, "admin@alpha.example")
    page.goto("/admin/contact/new/")
    page.click(".select2-container:visible >> nth=0")  # select2 opens its choices
    page.wait_for_selector(".select2-drop-active")
    page.keyboard.press("Escape")
    page.click("input[data-role=datepicker] >> nth=0")  # the date picker opens
    page.wait_for_selector(".daterangepicker:visible")
    page.keyboard.press("Escape")
    rows = page.locator(".inline-field").count()
    page.click("[data-add-inline-field]")  # "Add" an employment
    assert page.locator(".inline-field").count() == rows + 1
    assert problems == []


def test_profile_tabs_dialog_and_panel(page, problems, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    gen_task(tenant_a.id, "Ring tilbage", contact_id=contact_id)
    log_in(page, "admin@alpha.example")
    page.goto(f"/admin/contact/{contact_id}/profile")
    page.click("#tab-tasks")
    page.wait_for_url("**tab=tasks**")  # loaded, with its scripts
    assert page.locator("#tab-panel-tasks").count() == 1

    page.click("#profile-actions a[data-activity-form] >> text=Notat")
    page.wait_for_selector("#profile-activity-modal.show form")
    page.click("#profile-activity-modal [data-dismiss=modal]")
    page.wait_for_selector("#profile-activity-modal", state="hidden")

    page.click("#panel-about [data-panel-edit]")
    page.fill("#panel-about #job_title", "Direktør")
    page.click("#panel-about button[type=submit]")
    page.wait_for_selector("#panel-about [data-panel-edit]")
    assert "Direktør" in page.inner_text("#panel-about")
    assert problems == []


def test_activity_form(page, problems, tenant_a):
    org, _other = gen_people(tenant_a.id)
    log_in(page, "admin@alpha.example")
    page.goto(f"/admin/activity/new/?organisation_id={org}&kind=call")
    assert len(offered_persons(page)) == 2  # the organisation's people, by script
    page.keyboard.press("Escape")
    page.click(".kontakt-timer-button")  # start, then stop the duration timer
    page.click(".kontakt-timer-button")
    assert problems == []


def test_task_list_in_place_edit(page, problems, tenant_a):
    """x-editable reads the choices from a JSON data attribute (app/security.py)."""
    gen_task(tenant_a.id, "Ring tilbage")
    log_in(page, "admin@alpha.example")
    page.goto("/admin/task/")
    page.click("td.col-priority a[data-role^=x-editable]")
    page.wait_for_selector(".editable-popup")
    assert page.locator(".editable-popup .editable-input select option, "
                        ".editable-popup .select2-container").count() > 0
    assert problems == []


def test_task_list_in_place_edit_saves_under_the_fields_name(page, problems, tenant_a):
    """Each row's editor has an id of its own; x-editable posts under data-name (it
    would take the id otherwise), so the value reaches the field and is saved."""
    task_id = gen_task(tenant_a.id, "Ring tilbage")
    log_in(page, "admin@alpha.example")
    page.goto("/admin/task/")
    editor = page.locator(f"td.col-priority a[data-pk='{task_id}']")
    editor.click()
    page.wait_for_selector("#select2-drop .select2-result-label")
    page.locator("#select2-drop .select2-result-label", has_text="Høj").click()  # Danish
    page.click(".editable-popup .editable-submit")
    expect(editor).to_have_text("Høj")
    assert reload(Task, tenant_a.id, task_id, "priority").priority.key == "high"
    assert problems == []
