"""The profile with the keyboard alone (issue 16, WCAG 2.1.1 and 2.4.3): the action bar
is walked with Tab, the note dialog opens with Enter and closes with Escape, giving the
focus back to its button; Cancel and Save in an edited panel give it back to the panel's
pen; an in-place select of the tasks tab keeps the focus while it saves, and ArrowDown
only steps through its choices — Enter saves."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from app.models import Task
from tests.browser.conftest import log_in
from tests.conftest import reload
from tests.factories import gen_profile_contact, gen_task

FOCUSED = "document.activeElement"


def focused_is(page, selector: str) -> bool:
    return page.evaluate(f"{FOCUSED} === document.querySelector({selector!r})")


def test_action_bar_and_note_dialog_with_the_keyboard(page, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    log_in(page, "admin@alpha.example")
    page.goto(f"/admin/contact/{contact_id}/profile")
    actions = page.locator("#profile-actions a")
    hrefs = actions.evaluate_all("links => links.map(link => link.href)")
    assert len(hrefs) >= 4

    actions.first.focus()
    walked = [page.evaluate(f"{FOCUSED}.href")]
    for _ in hrefs[1:]:
        page.keyboard.press("Tab")
        walked.append(page.evaluate(f"{FOCUSED}.href"))
    assert walked == hrefs  # in order, none skipped

    note = "#profile-actions a[data-activity-form*='kind=note']"
    page.focus(note)
    page.keyboard.press("Enter")
    modal = page.locator("#profile-activity-modal")
    expect(modal.locator("form").first).to_be_visible()
    expect(modal).to_have_class(re.compile(r"\bshow\b"))
    # once open, the focus is in the dialog (its first field)
    page.wait_for_function(
        f"() => document.querySelector('#profile-activity-modal form').contains({FOCUSED})")
    page.keyboard.press("Escape")
    expect(modal).to_be_hidden()
    page.wait_for_function(f"() => {FOCUSED} !== document.body")
    assert focused_is(page, note)


def test_panel_cancel_and_save_give_the_focus_back_to_its_pen(page, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    log_in(page, "admin@alpha.example")
    page.goto(f"/admin/contact/{contact_id}/profile")
    pen = "#panel-about [data-panel-edit]"
    form = page.locator("#panel-about form[data-panel-form]")

    page.focus(pen)
    page.keyboard.press("Enter")
    expect(form).to_be_visible()
    assert page.evaluate(f"document.querySelector('#panel-about form').contains({FOCUSED})")
    page.focus("#panel-about [data-panel-cancel]")
    page.keyboard.press("Enter")
    expect(form).to_have_count(0)
    assert focused_is(page, pen)

    page.keyboard.press("Enter")  # the pen, focused: edit again
    expect(form).to_be_visible()
    page.locator("#panel-about #job_title").fill("Direktør")
    page.keyboard.press("Enter")  # in a field: the form is sent
    expect(form).to_have_count(0)
    expect(page.locator("#panel-about")).to_contain_text("Direktør")
    assert focused_is(page, pen)


def test_in_place_select_steps_with_arrows_and_saves_on_enter(page, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    task_id = gen_task(tenant_a.id, contact_id=contact_id)
    before = reload(Task, tenant_a.id, task_id).status_id
    saves: list[str] = []
    page.on("request", lambda request: saves.append(request.url)
            if "/ajax/update/" in request.url else None)
    log_in(page, "admin@alpha.example")
    page.goto(f"/admin/contact/{contact_id}/profile?tab=tasks")
    status = f"#profile-task-{task_id} select[name=status]"
    message = page.locator(f"#profile-task-{task_id} .kontakt-inplace-message")

    page.focus(status)
    page.keyboard.press("ArrowDown")
    chosen = page.eval_on_selector(status, "select => select.value")
    assert chosen != str(before)  # the arrow moved the choice …
    assert page.eval_on_selector(status, "select => select.getAttribute('aria-busy')") is None
    assert saves == []  # … and saved nothing
    page.keyboard.press("Enter")
    expect(message).to_have_class(re.compile(r"\btext-success\b"))
    assert focused_is(page, status)
    assert reload(Task, tenant_a.id, task_id).status_id == int(chosen)
    assert len(saves) == 1
