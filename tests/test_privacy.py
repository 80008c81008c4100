"""F1 and F2 outside the profile: the activity screens and file downloads leave out
what the user may not read."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Attachment, Contact
from app.models.activity import EMAIL, NOTE
from app.tenancy import tenant_context
from tests.conftest import switch_user, upload
from tests.factories import gen_activity, gen_contact, gen_organisation


def restricted_world(tenant_id: int) -> dict:
    org = gen_organisation(tenant_id, "Nordlys ApS")
    secret = gen_contact(tenant_id, org, "Sigrid", "Lukket", email="s@x.dk",
                         email_access_restricted=True)
    private = gen_contact(tenant_id, org, "Palle", "Privat", email="p@x.dk", is_private=True)
    return {
        "mail": gen_activity(tenant_id, org, [secret], kind=EMAIL, subject="Hemmelig mail"),
        "note": gen_activity(tenant_id, org, [private], kind=NOTE, subject="Privat note",
                             body="Privat note"),
        "open": gen_activity(tenant_id, org, [secret], kind=NOTE, subject="Åben note",
                             body="Åben note"),
    }


def test_user_does_not_read_restricted_mail_or_private_notes(admin_client, tenant_a):
    ids = restricted_world(tenant_a.id)
    listing = admin_client.get("/admin/activity/").get_data(as_text=True)
    assert "Hemmelig mail" in listing and "Privat note" in listing  # an admin reads all
    switch_user(admin_client, "user@alpha.example")
    listing = admin_client.get("/admin/activity/").get_data(as_text=True)
    assert "Åben note" in listing
    assert "Hemmelig mail" not in listing and "Privat note" not in listing
    export = admin_client.get("/admin/activity/export/csv/").get_data(as_text=True)
    assert "Hemmelig mail" not in export and "Åben note" in export
    for activity_id in (ids["mail"], ids["note"]):
        page = admin_client.get(f"/admin/activity/details/?id={activity_id}",
                                follow_redirects=True).get_data(as_text=True)
        assert "Hemmelig mail" not in page and "Privat note" not in page


def test_files_of_a_restricted_mail_are_not_downloaded(admin_client, tenant_a):
    ids = restricted_world(tenant_a.id)
    response = upload(admin_client, ids["mail"], (b"fortroligt", "kontrakt.pdf"),
                      kind="activity")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/activity/details/?id={ids['mail']}"
    with tenant_context(tenant_a.id):
        file_id = db.session.scalar(select(Attachment.id))
    assert admin_client.get(f"/admin/attachments/{file_id}/download/").status_code == 200
    switch_user(admin_client, "user@alpha.example")
    assert admin_client.get(f"/admin/attachments/{file_id}/download/").status_code == 404
    with tenant_context(tenant_a.id):
        db.session.scalar(select(Contact).where(Contact.last_name == "Lukket")
                          ).email_access_restricted = False
        db.session.commit()
    assert admin_client.get(f"/admin/attachments/{file_id}/download/").status_code == 200


def test_files_of_unreadable_mails_and_notes_are_not_listed_anywhere(admin_client, tenant_a):
    """The download rule is also the listing rule: on the contact's details page and
    on its profile's files tab alike."""
    ids = restricted_world(tenant_a.id)
    upload(admin_client, ids["mail"], (b"x", "kontrakt.pdf"), kind="activity")
    upload(admin_client, ids["note"], (b"x", "dagbog.txt"), kind="activity")
    with tenant_context(tenant_a.id):
        secret = db.session.scalar(select(Contact).where(Contact.last_name == "Lukket"))
        secret_id = secret.id
    pages = (f"/admin/contact/details/?id={secret_id}",
             f"/admin/contact/{secret_id}/profile?tab=files")
    for page in pages:
        assert "kontrakt.pdf" in admin_client.get(page).get_data(as_text=True), page
    switch_user(admin_client, "user@alpha.example")
    for page in pages:
        assert "kontrakt.pdf" not in admin_client.get(page).get_data(as_text=True), page
    activity_page = admin_client.get(f"/admin/activity/details/?id={ids['note']}",
                                     follow_redirects=True).get_data(as_text=True)
    assert "dagbog.txt" not in activity_page
