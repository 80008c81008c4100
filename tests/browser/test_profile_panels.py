"""The profile's script (D1): a panel edited in place — opened, refused with the error
next to the field, saved and cancelled — without a page reload, CSRF on."""

from __future__ import annotations

import pytest

from app.views.profile import ProfileMixin
from tests.browser.conftest import log_in
from tests.test_profile_page import load, make_contact


@pytest.fixture(autouse=True)
def left_column_only(monkeypatch):
    """The tabs are tested with services.profile_tabs."""
    monkeypatch.setattr(ProfileMixin, "right_column", lambda self, contact: None)


def open_panel(page, key: str) -> None:
    page.click(f"#panel-{key} [data-panel-edit]")
    page.wait_for_selector(f"#panel-{key} form[data-panel-form]")


def test_panel_is_edited_in_place(page, tenant_a):
    contact_id = make_contact(tenant_a.id)
    log_in(page, "admin@alpha.example")
    page.goto(f"/admin/contact/{contact_id}/profile")
    page.evaluate("window.notReloaded = true")

    open_panel(page, "about")
    page.fill("#panel-about #job_title", "Direktør")
    page.fill("#panel-about #phone", "12")
    page.click("#panel-about button[type=submit]")
    page.wait_for_selector("#panel-about .invalid-feedback")
    assert "telefonnummer" in page.inner_text("#panel-about .invalid-feedback")
    assert page.input_value("#panel-about #job_title") == "Direktør"  # kept
    assert load(tenant_a.id, contact_id).job_title == "Indkøbschef"

    page.fill("#panel-about #phone", "20 12 34 56")
    page.click("#panel-about button[type=submit]")
    page.wait_for_selector("#panel-about [data-panel-edit]")
    assert "Direktør" in page.inner_text("#panel-about")
    assert load(tenant_a.id, contact_id).job_title == "Direktør"

    open_panel(page, "consent")
    page.click("#panel-consent [data-panel-cancel]")
    page.wait_for_selector("#panel-consent [data-panel-edit]")
    assert page.evaluate("window.notReloaded") is True


def test_choice_fields_get_their_widgets_in_a_fetched_form(page, tenant_a):
    contact_id = make_contact(tenant_a.id)
    log_in(page, "admin@alpha.example")
    page.goto(f"/admin/contact/{contact_id}/profile")
    open_panel(page, "responsible")
    page.wait_for_selector("#panel-responsible .select2-container")
