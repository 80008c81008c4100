"""The profile's script (D1): a panel edited in place — opened, refused with the error
next to the field, saved and cancelled — without a page reload, CSRF on."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.views.profile import ProfileMixin
from tests.browser.conftest import log_in
from tests.conftest import load_contact, user_id
from tests.factories import gen_profile_contact


@pytest.fixture(autouse=True)
def left_column_only(monkeypatch):
    """The tabs are tested with services.profile_tabs."""
    monkeypatch.setattr(ProfileMixin, "right_column", lambda self, contact: None)


def open_panel(page, key: str) -> None:
    page.click(f"#panel-{key} [data-panel-edit]")
    expect(page.locator(f"#panel-{key} form[data-panel-form]")).to_be_visible()


def test_panel_is_edited_in_place(page, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    log_in(page, "admin@alpha.example")
    page.goto(f"/admin/contact/{contact_id}/profile")
    page.evaluate("window.notReloaded = true")

    about = page.locator("#panel-about")
    open_panel(page, "about")
    about.locator("#job_title").fill("Direktør")
    about.locator("#phone").fill("12")
    about.locator("button[type=submit]").click()
    expect(about.locator(".invalid-feedback")).to_contain_text("telefonnummer")
    expect(about.locator("#job_title")).to_have_value("Direktør")  # kept
    assert load_contact(tenant_a.id, contact_id).job_title == "Indkøbschef"

    about.locator("#phone").fill("20 12 34 56")
    about.locator("button[type=submit]").click()
    expect(about.locator("[data-panel-edit]")).to_be_visible()
    expect(about.locator("form[data-panel-form]")).to_have_count(0)
    expect(about).to_contain_text("Direktør")
    assert load_contact(tenant_a.id, contact_id).job_title == "Direktør"

    consent = page.locator("#panel-consent")
    open_panel(page, "consent")
    consent.locator("[data-panel-cancel]").click()
    expect(consent.locator("[data-panel-edit]")).to_be_visible()
    expect(consent.locator("form[data-panel-form]")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True


def test_choice_fields_get_their_widgets_in_a_fetched_form(page, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    colleague = user_id(tenant_a.id, "user@alpha.example")
    log_in(page, "admin@alpha.example")
    page.goto(f"/admin/contact/{contact_id}/profile")
    open_panel(page, "responsible")
    panel = page.locator("#panel-responsible")
    # select2 took over the fetched selects, showing what the contact has
    widgets = panel.locator(".select2-container")
    expect(widgets).to_have_count(2)
    expect(widgets.first).to_contain_text("Admin alpha")
    expect(widgets.last).to_contain_text("Storkunde")
    # and a choice made in the widget is saved
    widgets.first.click()
    page.locator(".select2-result-label", has_text="User alpha").click()
    expect(widgets.first).to_contain_text("User alpha")
    panel.locator("button[type=submit]").click()
    expect(panel.locator("[data-panel-edit]")).to_be_visible()
    expect(panel).to_contain_text("User alpha")
    assert load_contact(tenant_a.id, contact_id).responsible_user_id == colleague
