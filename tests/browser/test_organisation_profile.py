"""The organisation profile's scripts (B13), shared with the contact profile: the action
bar's note opens inside the profile with the organisation chosen and only its current
employees offered, and is saved there; a master-data panel is edited in place —
refused beside the field, then saved — without a page reload. CSRF on."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Activity, Organisation
from app.tenancy import tenant_context
from tests.browser.conftest import log_in
from tests.factories import gen_contact, gen_organisation

MODAL = "#profile-activity-modal"


def open_profile(page, tenant_id: int) -> tuple[int, str]:
    """Nordlys (Jens works there, Ole did), opened by an administrator."""
    org = gen_organisation(tenant_id, "Nordlys ApS", registration_country="DK",
                            registration_number="12345674")
    gen_contact(tenant_id, org, "Jens", "Hansen", email="jens@nordlys.example")
    gen_contact(tenant_id, org, "Ole", "Tidligere", ended=True, email="ole@nordlys.example")
    log_in(page, "admin@alpha.example")
    profile = f"/admin/organisation/{org}/profile"
    page.goto(profile)
    return org, profile


def test_the_action_bar_writes_a_note_inside_the_profile(page, tenant_a):
    org, profile = open_profile(page, tenant_a.id)
    page.click("#profile-actions a[data-activity-form] >> text=Notat")
    expect(page.locator(f"{MODAL} form")).to_be_visible()
    assert page.url.endswith(profile)  # the form is inside the profile
    expect(page.locator(f"{MODAL} #s2id_organisation")).to_contain_text("Nordlys ApS")
    page.click(f"{MODAL} #s2id_contacts")
    offered = page.locator(".select2-result-label")
    expect(offered.first).to_be_visible()
    expect(offered).to_have_count(1)  # only the current employee
    expect(offered.first).to_contain_text("Hansen")
    offered.first.click()
    mask = page.locator("#select2-drop-mask")  # select2 may keep its list open a moment
    if mask.is_visible():
        mask.click()  # what closes it for a person too
    expect(page.locator(f"{MODAL} #s2id_contacts")).to_contain_text("Hansen")
    page.fill(f"{MODAL} textarea#body", "Ny aftale om levering")
    page.click(f"{MODAL} input[type=submit][value]:not([name])")
    expect(page.locator("#profile-timeline")).to_contain_text("Ny aftale om levering")
    assert page.url.split("?")[0].endswith(profile)
    with tenant_context(tenant_a.id):
        note = db.session.scalar(select(Activity))
        assert note.kind == "note" and note.organisation_id == org
        assert [c.last_name for c in note.contacts] == ["Hansen"]


def test_a_panel_is_edited_in_place(page, tenant_a):
    org, _profile = open_profile(page, tenant_a.id)
    page.evaluate("window.notReloaded = true")
    panel = page.locator("#panel-master")
    panel.locator("[data-panel-edit]").click()
    expect(panel.locator("form[data-panel-form]")).to_be_visible()
    panel.locator("#industry").fill("Energi")
    panel.locator("#phone").fill("12")
    panel.locator("button[type=submit]").click()
    expect(page.locator("#panel-master .invalid-feedback")).to_contain_text("telefonnummer")
    expect(page.locator("#panel-master #industry")).to_have_value("Energi")  # kept
    page.locator("#panel-master #phone").fill("20 12 34 56")
    page.locator("#panel-master button[type=submit]").click()
    expect(page.locator("#panel-master [data-panel-edit]")).to_be_visible()
    expect(page.locator("#panel-master")).to_contain_text("Energi")
    assert page.evaluate("window.notReloaded") is True
    db.session.expire_all()
    with tenant_context(tenant_a.id):
        organisation = db.session.get(Organisation, org)
        assert (organisation.industry, organisation.phone) == ("Energi", "+4520123456")
