"""Markup in texts a tenant's administrator writes (field labels and help texts, a tag
name) never runs in a browser: the contact list with those fields' filters (drawn by
Flask-Admin's filter script), the create and edit forms, and the profile with its panels
opened in place. Any dialog the page opens is recorded; there must be none."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import log_in
from tests.factories import (
    CHOICE_LABEL,
    CONTACT_NAME,
    PRIORITY_LABEL,
    TAG,
    TEXT_LABEL,
    hostile_texts,
)


@pytest.fixture
def dialogs(page) -> list[str]:
    """The messages of every alert, confirm or prompt the page opens (each dismissed)."""
    opened: list[str] = []

    def record(dialog) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return opened


def visit(page, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")  # broken images have failed, scripts have run


def filter_arguments(page) -> dict[str, str]:
    groups = json.loads(page.text_content("#filter-groups-data"))
    return {name: subfilters[0]["arg"] for name, subfilters in groups.items()}


def test_list_with_the_fields_filters_runs_no_markup(page, dialogs, tenant_a):
    keys = hostile_texts(tenant_a.id)
    log_in(page, "admin@alpha.example")
    visit(page, "/admin/contact/")
    args = filter_arguments(page)
    visit(page, f"/admin/contact/?flt1_{args[TEXT_LABEL]}=v%C3%A6rdi"
                f"&flt2_{args[CHOICE_LABEL]}={keys.option}")
    assert dialogs == []
    rows = page.locator("#filter_form a.remove-filter")
    assert rows.count() == 2
    # the names are shown as the labels' text
    assert TEXT_LABEL in rows.nth(0).inner_text() and CHOICE_LABEL in rows.nth(1).inner_text()
    assert TAG in page.inner_text("table.model-list")
    assert page.locator("table.model-list tbody tr").count() == 1  # both filters applied

    # a filter added from the menu is drawn by the same script
    page.click("a.dropdown-toggle >> text=Tilføj filter")
    page.click(f"a.filter >> text={TEXT_LABEL}")
    assert rows.count() == 3
    assert dialogs == []


def test_forms_and_profile_run_no_markup(page, dialogs, tenant_a):
    keys = hostile_texts(tenant_a.id)
    log_in(page, "admin@alpha.example")
    for path in ("/admin/contact/new/", f"/admin/contact/edit/?id={keys.contact}",
                 f"/admin/contact/details/?id={keys.contact}"):
        visit(page, path)
    assert TEXT_LABEL in page.inner_text("body")

    visit(page, f"/admin/contact/{keys.contact}/profile")
    assert TAG in page.inner_text("#kontakt-profile")
    for panel in (f"fields-{keys.section}", "responsible"):
        page.click(f"#panel-{panel} [data-panel-edit]")
        page.wait_for_selector(f"#panel-{panel} form[data-panel-form]")
        page.wait_for_load_state("networkidle")
    # the tag, chosen and among the choices, as select2 shows them
    assert TAG in page.inner_text("#panel-responsible .select2-choices")
    page.click("#panel-responsible .select2-container-multi input")
    page.wait_for_selector("#select2-drop .select2-results")
    page.keyboard.press("Escape")
    visit(page, f"/admin/contact/{keys.contact}/profile/panel/fields-{keys.section}/edit")
    assert dialogs == []


def test_task_list_editing_and_activity_form_run_no_markup(page, dialogs, tenant_a):
    """A dictionary label in the task list's in-place editor (x-editable and select2),
    and the contact's name among the persons of a new note (select2)."""
    keys = hostile_texts(tenant_a.id)
    log_in(page, "admin@alpha.example")
    visit(page, "/admin/task/")
    assert PRIORITY_LABEL in page.inner_text("table.model-list")
    page.click("table.model-list td.col-priority a[data-role^=x-editable]")
    page.wait_for_selector("#select2-drop .select2-result-label")  # opens at once
    assert PRIORITY_LABEL in page.inner_text("#select2-drop")
    page.keyboard.press("Escape")

    visit(page, f"/admin/activity/new/?kind=note&contact_id={keys.contact}")
    assert CONTACT_NAME in page.inner_text("#s2id_contacts")  # the persons chosen
    page.wait_for_load_state("networkidle")
    assert dialogs == []
