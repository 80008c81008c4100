"""The profile's action bar (D3): a note, meeting or call form opens inside the
profile, keeps what was typed when refused, and once saved the profile shows the new
activity — CSRF on, as in production."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Activity
from app.services.activities import attachments
from app.tenancy import tenant_context
from tests.browser.conftest import log_in
from tests.factories import gen_profile_contact


def open_profile(page, tenant_id: int) -> tuple[int, str]:
    """A contact's profile, opened by an administrator: (contact id, profile path)."""
    contact_id = gen_profile_contact(tenant_id)
    log_in(page, "admin@alpha.example")
    profile = f"/admin/contact/{contact_id}/profile"
    page.goto(profile)
    return contact_id, profile


def open_action(page, kind_label: str) -> None:
    """Open an action's form in the dialog; return once the dialog has opened and given
    its first field the focus (a field filled before that could lose it on a busy
    machine: the subject was once typed into the recipients' field)."""
    page.click(f"#profile-actions a[data-activity-form] >> text={kind_label}")
    expect(page.locator("#profile-activity-modal.show form").first).to_be_visible()
    expect(page.locator("#profile-activity-modal .modal-body :focus")).to_have_count(1)


def test_note_is_written_inside_the_profile(page, tenant_a):
    contact_id, profile = open_profile(page, tenant_a.id)
    open_action(page, "Notat")
    modal = "#profile-activity-modal"
    expect(page).to_have_url(re.compile(rf"{re.escape(profile)}$"))  # inside the profile
    page.fill(f"{modal} textarea#body", "Kunden ringer tilbage fredag")
    page.click(f"{modal} input[type=submit][value]:not([name])")
    expect(page.get_by_role("link", name="Kunden ringer tilbage fredag")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"{re.escape(profile)}(\?.*)?$"))
    with tenant_context(tenant_a.id):
        note = db.session.scalar(select(Activity))
        assert note.kind == "note" and [c.id for c in note.contacts] == [contact_id]


def test_refused_meeting_keeps_the_form_inside_the_profile(page, tenant_a):
    open_profile(page, tenant_a.id)
    open_action(page, "Møde")
    modal = "#profile-activity-modal"
    page.fill(f"{modal} #location", "Havnegade 1")
    page.click(f"{modal} input[type=submit][value]:not([name])")  # no subject: refused
    expect(page.locator(f"{modal} .invalid-feedback").first).to_be_visible()
    expect(page.locator(f"{modal} #location")).to_have_value("Havnegade 1")
    with tenant_context(tenant_a.id):
        assert db.session.scalar(select(Activity)) is None


def test_email_with_a_file_and_next_contact_is_written_inside_the_profile(page, tenant_a):
    contact_id, profile = open_profile(page, tenant_a.id)
    open_action(page, "E-mail")
    modal = "#profile-activity-modal"
    expect(page.locator(f"{modal} #to")).to_have_value("mette@nordlys.example")
    page.fill(f"{modal} #subject", "Tilbud på æbler")
    page.fill(f"{modal} #body", "Hej Mette")
    page.set_input_files(f"{modal} #attachments", files=[
        {"name": "tilbud.txt", "mimeType": "text/plain", "buffer": "æøå".encode()}])
    page.fill(f"{modal} #follow_up_in", "3")
    page.click(f"{modal} #mail-compose button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("Næste kontakt er planlagt")
    expect(page).to_have_url(re.compile(rf"{re.escape(profile)}(\?.*)?$"))
    with tenant_context(tenant_a.id):
        mails = db.session.scalars(select(Activity).order_by(Activity.planned)).all()
        assert [(m.kind, m.planned) for m in mails] == [("email", False), ("email", True)]
        stored = attachments.files_of(activity_id=mails[0].id)
        assert [a.filename for a in stored] == ["tilbud.txt"]


def test_letter_is_written_inside_the_profile_and_cancel_closes_the_dialog(page, tenant_a):
    contact_id, profile = open_profile(page, tenant_a.id)
    modal = "#profile-activity-modal"
    open_action(page, "Brev")
    page.click(f"{modal} #letter-form a.btn-link")  # "Annuller"
    expect(page.locator(modal)).to_be_hidden()
    open_action(page, "Brev")
    page.fill(f"{modal} #body", "Kære Mette")
    page.click(f"{modal} #letter-form button[type=submit]")  # no subject: refused
    expect(page.locator(f"{modal} .invalid-feedback").first).to_be_visible()
    expect(page.locator(f"{modal} #body")).to_have_value("Kære Mette")
    page.fill(f"{modal} #subject", "Aftalen")
    page.click(f"{modal} #letter-form button[type=submit]")
    pdf_link = page.locator(".alert-success a[href$='/pdf']")
    expect(pdf_link).to_be_visible()
    expect(page).to_have_url(re.compile(rf"{re.escape(profile)}(\?.*)?$"))
    with tenant_context(tenant_a.id):
        letter = db.session.scalar(select(Activity))
        assert letter.kind == "letter"
    expect(pdf_link).to_have_attribute("href", f"/admin/letter/{letter.id}/pdf")
