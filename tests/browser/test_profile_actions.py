"""The profile's action bar (D3): a note, meeting or call form opens inside the
profile, keeps what was typed when refused, and once saved the profile shows the new
activity — CSRF on, as in production."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Activity
from app.tenancy import tenant_context
from tests.browser.conftest import log_in
from tests.test_profile_page import make_contact


def open_action(page, kind_label: str) -> None:
    page.click(f"#profile-actions a[data-activity-form] >> text={kind_label}")
    page.wait_for_selector("#profile-activity-modal.show form")


def test_note_is_written_inside_the_profile(page, tenant_a):
    contact_id = make_contact(tenant_a.id)
    log_in(page, "admin@alpha.example")
    profile = f"/admin/contact/{contact_id}/profile"
    page.goto(profile)
    open_action(page, "Notat")
    modal = "#profile-activity-modal"
    assert page.url.endswith(profile)  # the form is inside the profile
    page.fill(f"{modal} textarea#body", "Kunden ringer tilbage fredag")
    page.click(f"{modal} input[type=submit][value]:not([name])")
    page.wait_for_selector("text=Kunden ringer tilbage fredag")
    assert page.url.split("?")[0].endswith(profile)
    with tenant_context(tenant_a.id):
        note = db.session.scalar(select(Activity))
        assert note.kind == "note" and [c.id for c in note.contacts] == [contact_id]


def test_refused_meeting_keeps_the_form_inside_the_profile(page, tenant_a):
    contact_id = make_contact(tenant_a.id)
    log_in(page, "admin@alpha.example")
    page.goto(f"/admin/contact/{contact_id}/profile")
    open_action(page, "Møde")
    modal = "#profile-activity-modal"
    page.fill(f"{modal} #location", "Havnegade 1")
    page.click(f"{modal} input[type=submit][value]:not([name])")  # no subject: refused
    page.wait_for_selector(f"{modal} .invalid-feedback")
    assert page.input_value(f"{modal} #location") == "Havnegade 1"
    with tenant_context(tenant_a.id):
        assert db.session.scalar(select(Activity)) is None
