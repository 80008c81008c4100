"""A person's rights over their data (F4): the export of everything held on a contact
(JSON and a readable page) and the erasure that anonymises the contact, deletes its
files and scrubs the change history while cases, tasks and activities stay counted."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from types import SimpleNamespace as Ref
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Activity,
    Attachment,
    AuditEntry,
    Campaign,
    Case,
    Contact,
    Lead,
    Opportunity,
    Tag,
    Task,
)
from app.models.activity import CALL, EMAIL, NOTE
from app.models.job import Job
from app.tenancy import all_tenants, tenant_context
from tests.conftest import csrf_token_from, login, make_app, post_contact, translated, upload
from tests.factories import (
    FIELDS,
    contact_form,
    gen_activity,
    gen_case,
    gen_contact,
    gen_fields,
    gen_opportunity,
    gen_organisation,
    gen_task,
    gen_with_participants,
    picture,
)

NAME, EMAIL_ADDRESS = "Jens Hansen", "jens.hansen@nordlys.example"
OLD_PHONE, PHONE = "+4520123456", "+4521654321"
OTHER_NAME = "Eva Berg"


def the_contact(tenant_id: int) -> Contact:
    db.session.expire_all()
    with tenant_context(tenant_id):
        contact = db.session.scalar(select(Contact).where(Contact.email == EMAIL_ADDRESS))
        _ = contact.tags, contact.employments  # loaded while the tenant is current
        return contact


def person_with_everything(client, tenant_id: int) -> Ref:
    """Jens Hansen, created and changed through the screens (so the history holds his
    values), with a photo, a configurable field, a tag, consent, an employment, cases,
    a task, a note, an e-mail, a call, files, a lead, an opportunity and a campaign."""
    org = gen_organisation(tenant_id, "Nordlys ApS")
    fields = gen_fields(tenant_id, note=FIELDS["note"])
    with tenant_context(tenant_id):
        tag = Tag(name="Storkunde", colour="#aa0000")
        db.session.add(tag)
        db.session.commit()
        tag_id = tag.id
    form = contact_form(org, email=EMAIL_ADDRESS, phone=OLD_PHONE, mobile="+4530405060",
                        street="Nørregade 12", postcode="1165", city="København",
                        consent_phone="y", consent_phone_date="2024-03-01",
                        consent_phone_source="Messe i Bella Center",
                        tags=str(tag_id), photo_upload=(picture(), "jens.png"),
                        **{fields["note"]: "Ringer helst om morgenen"})
    assert post_contact(client, **form).status_code == 302
    contact = the_contact(tenant_id)
    form.pop("photo_upload")
    assert post_contact(client, f"/admin/contact/edit/?id={contact.id}",
                        **{**form, "phone": PHONE}).status_code == 302
    other = gen_contact(tenant_id, org, "Eva", "Berg", email="eva@nordlys.example")
    ids = Ref(contact=contact.id, org=org, other=other,
              case=gen_case(tenant_id, contact.id, title=f"Reklamation fra {NAME}"),
              other_case=gen_case(tenant_id, other, title="Evas sag"),
              task=gen_task(tenant_id, f"Ring til {NAME}", contact_id=contact.id),
              note=gen_activity(tenant_id, org, [contact.id], kind=NOTE,
                                subject="Samtale", body=f"{NAME} vil have et tilbud"),
              mail=gen_activity(tenant_id, org, [contact.id], kind=EMAIL, subject="Tilbud",
                                mail_to=EMAIL_ADDRESS, body="Hej Jens"),
              call=gen_activity(tenant_id, org, [contact.id], kind=CALL, subject="Opkald",
                                phone_number=PHONE),
              other_note=gen_activity(tenant_id, org, [other], kind=NOTE,
                                      subject="Evas note", body="Kun om Eva"))
    assert upload(client, contact.id, (b"cv", "cv-jens.pdf")).status_code in (302, 303)
    assert upload(client, ids.mail, (b"pdf", "tilbud.pdf"), kind="activity").status_code in (
        302, 303)
    with tenant_context(tenant_id):
        db.session.add(Lead(name=NAME, email=EMAIL_ADDRESS, phone=OLD_PHONE, source="Web",
                            message=f"Jeg hedder {NAME}", contact_id=contact.id))
        db.session.commit()
    gen_opportunity(tenant_id, "Licensaftale", contact_id=contact.id)
    gen_with_participants(Campaign, tenant_id, "Forårskampagne", [contact.id])
    return ids


@pytest.fixture
def world(admin_client, tenant_a, tenant_b, client):
    ids = person_with_everything(admin_client, tenant_a.id)
    org_b = gen_organisation(tenant_b.id, "Polskie Sp. z o.o.")
    ids.foreign = gen_contact(tenant_b.id, org_b, "Piotr", "Nowak", email="piotr@pl.example")
    return ids


def export_of(client, contact_id: int) -> dict:
    response = client.get(f"/admin/contact/{contact_id}/privacy/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.get_json()


# --- export -----------------------------------------------------------------------------

def test_export_holds_each_kind_of_data_and_nothing_of_others(admin_client, world):
    document = export_of(admin_client, world.contact)
    person = document["contact"]
    assert (person["first_name"], person["last_name"], person["email"], person["phone"]) == (
        "Jens", "Hansen", EMAIL_ADDRESS, PHONE)
    assert person["street"] == "Nørregade 12" and person["has_photo"] is True
    assert person["tags"] == ["Storkunde"] and person["organisation"] == "Nordlys ApS"
    assert [f["value"] for f in document["custom_fields"]] == ["Ringer helst om morgenen"]
    assert {"channel": "phone", "given": True, "date": "2024-03-01",
            "source": "Messe i Bella Center"} in document["consents"]
    assert [e["organisation"] for e in document["employments"]] == ["Nordlys ApS"]
    assert [c["title"] for c in document["cases"]] == [f"Reklamation fra {NAME}"]
    assert document["cases"][0]["role"] == "primary"
    assert [t["title"] for t in document["tasks"]] == [f"Ring til {NAME}"]
    assert sorted(a["kind"] for a in document["activities"]) == [CALL, EMAIL]
    assert [n["body"] for n in document["notes"]] == [f"{NAME} vil have et tilbud"]
    assert sorted(f["filename"] for f in document["files"]) == ["cv-jens.pdf", "tilbud.pdf"]
    assert [lead["name"] for lead in document["leads"]] == [NAME]
    assert [o["title"] for o in document["opportunities"]] == ["Licensaftale"]
    assert [c["name"] for c in document["campaigns"]] == ["Forårskampagne"]
    changed_phone = [entry for entry in document["history"]
                     if entry["record_type"] == "contact" and "phone" in entry["changes"]]
    assert changed_phone[-1]["changes"]["phone"] == [OLD_PHONE, PHONE]
    text = json.dumps(document, ensure_ascii=False)
    for foreign in ("Eva", "Evas sag", "Kun om Eva", "Piotr", "Nowak", "eva@nordlys"):
        assert foreign not in text, foreign


def test_readable_page_shows_the_same(admin_client, world):
    response = admin_client.get(f"/admin/contact/{world.contact}/privacy/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for shown in (EMAIL_ADDRESS, "Nørregade 12", "Ringer helst om morgenen",
                  f"Reklamation fra {NAME}", f"Ring til {NAME}", "vil have et tilbud",
                  "cv-jens.pdf", "Licensaftale", "Forårskampagne", "Messe i Bella Center",
                  translated("Download as JSON")):
        assert shown in page, shown
    assert "Evas sag" not in page and "Piotr" not in page
    unlabelled = re.findall(r"<(?:dt|th)[^>]*>\s*([a-z_]+)\s*<", page)
    assert unlabelled == []  # every heading is a word of the reader's language
    profile = admin_client.get(f"/admin/contact/{world.contact}/profile").get_data(as_text=True)
    assert f"/admin/contact/{world.contact}/privacy/" in profile


# --- who may ------------------------------------------------------------------------------

def privacy_urls(contact_id: int) -> list[tuple[str, str]]:
    base = f"/admin/contact/{contact_id}/privacy"
    return [("get", f"{base}/"), ("get", f"{base}/export"), ("get", f"{base}/erase"),
            ("post", f"{base}/erase")]


def test_ordinary_users_are_refused(admin_client, world):
    admin_client.post("/logout")
    login(admin_client, "user@alpha.example")
    for method, url in privacy_urls(world.contact):
        assert getattr(admin_client, method)(url, data={"confirm": "1"}).status_code == 403, url
    assert the_contact_by_id(world.contact).last_name == "Hansen"
    profile = admin_client.get(f"/admin/contact/{world.contact}/profile").get_data(as_text=True)
    assert "/privacy/" not in profile


def test_another_tenants_contact_is_not_found(admin_client, world, tenant_b):
    for method, url in privacy_urls(world.foreign):
        assert getattr(admin_client, method)(url, data={"confirm": "1"}).status_code == 404, url
    for bad in ("abc", "0", "99999999999999999999"):
        assert admin_client.get(f"/admin/contact/{bad}/privacy/export").status_code == 404
    with tenant_context(tenant_b.id):
        assert db.session.get(Contact, world.foreign).last_name == "Nowak"


def test_anonymous_visitors_are_sent_to_log_in(client, tenant_a):
    org = gen_organisation(tenant_a.id)
    contact = gen_contact(tenant_a.id, org, email=None)
    response = client.get(f"/admin/contact/{contact}/privacy/export")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def the_contact_by_id(contact_id: int) -> Contact:
    db.session.expire_all()
    with all_tenants():
        return db.session.get(Contact, contact_id)


# --- erasure ----------------------------------------------------------------------------

def counts(tenant_id: int) -> dict[str, int]:
    db.session.expire_all()
    with tenant_context(tenant_id):
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Case, Task, Activity, Opportunity, Lead, Contact)}


def stored_files(app, tenant_id: int) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / f"tenant-{tenant_id}"
    return sorted(path for path in folder.rglob("*") if path.is_file())


def test_get_on_erase_asks_and_changes_nothing(admin_client, world, tenant_a):
    before = export_of(admin_client, world.contact)
    response = admin_client.get(f"/admin/contact/{world.contact}/privacy/erase")
    assert response.status_code == 200
    assert "Slettet person" in response.get_data(as_text=True)  # what the name becomes
    unconfirmed = admin_client.post(f"/admin/contact/{world.contact}/privacy/erase")
    assert unconfirmed.status_code == 422
    assert translated("Tick the box to confirm the erasure.") in unconfirmed.get_data(
        as_text=True)
    after = export_of(admin_client, world.contact)
    assert {k: v for k, v in after.items() if k != "exported_at"} == {
        k: v for k, v in before.items() if k != "exported_at"}


def test_erase_anonymises_deletes_files_scrubs_history_and_keeps_statistics(
        app, admin_client, world, tenant_a):
    before = counts(tenant_a.id)
    assert len(stored_files(app, tenant_a.id)) == 4  # photo, thumbnail and two files
    response = admin_client.post(f"/admin/contact/{world.contact}/privacy/erase",
                                 data={"confirm": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/contact/{world.contact}/profile")

    contact = the_contact_by_id(world.contact)
    assert contact.full_name == "Slettet person"  # tenant A speaks Danish
    for name in ("email", "phone", "mobile", "national_id", "street", "postcode", "city",
                 "photo", "customer_number", "birth_date", "consent_phone_source",
                 "consent_phone_date"):
        assert getattr(contact, name) is None, name
    assert contact.custom == {} and contact.consent_phone is False
    with tenant_context(tenant_a.id):
        assert db.session.get(Contact, world.contact).tags == []
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
        note = db.session.get(Activity, world.note)
        assert NAME not in note.body and "Slettet person" in note.body
        assert db.session.get(Activity, world.mail).mail_to == "Slettet person"
        assert PHONE not in (db.session.get(Activity, world.call).phone_number or "")
        lead = db.session.scalar(select(Lead))
        assert (lead.name, lead.email, lead.phone) == ("Slettet person", None, None)
        assert db.session.get(Case, world.other_case).title == "Evas sag"
        assert [c.id for c in db.session.get(Activity, world.note).contacts] == [world.contact]
    assert stored_files(app, tenant_a.id) == []
    assert counts(tenant_a.id) == before

    with all_tenants():
        entries = list(db.session.scalars(select(AuditEntry)))
    history = json.dumps([e.changes for e in entries], ensure_ascii=False)
    escaped = json.dumps([e.changes for e in entries])
    for erased in (NAME, "Hansen", EMAIL_ADDRESS, OLD_PHONE, PHONE, "+4530405060",
                   "Nørregade 12", "Ringer helst om morgenen", "Messe i Bella Center",
                   "cv-jens.pdf"):
        assert erased not in history and erased not in escaped, erased
    assert "Eva" in history  # the other person's history is hers still
    [erasure] = [e for e in entries if e.action == "erase"]
    assert (erasure.entity, erasure.record_id, erasure.changes) == (
        "contact", world.contact, {})
    assert erasure.user_id is not None


def test_erased_contact_shows_everywhere_as_deleted(admin_client, world):
    admin_client.post(f"/admin/contact/{world.contact}/privacy/erase", data={"confirm": "1"})
    admin_client.get("/admin/")  # the messages of the set-up, shown once, are gone
    profile = admin_client.get(f"/admin/contact/{world.contact}/profile")
    assert profile.status_code == 200
    page = profile.get_data(as_text=True)
    assert "Slettet person" in page and EMAIL_ADDRESS not in page and NAME not in page
    history = admin_client.get(f"/admin/contact/{world.contact}/profile?tab=history")
    assert history.status_code == 200 and NAME not in history.get_data(as_text=True)
    assert "Slettet person" in admin_client.get("/admin/contact/").get_data(as_text=True)
    document = export_of(admin_client, world.contact)
    assert document["contact"]["email"] is None and document["files"] == []
    assert len(document["cases"]) == 1 and len(document["activities"]) == 2


def test_erased_name_follows_the_tenants_language(client, tenant_b):
    login(client, "admin@beta.example")
    org = gen_organisation(tenant_b.id, "Polskie")
    contact = gen_contact(tenant_b.id, org, "Piotr", "Nowak", email=None)
    assert client.post(f"/admin/contact/{contact}/privacy/erase",
                       data={"confirm": "1"}).status_code == 302
    assert the_contact_by_id(contact).full_name == translated("Deleted person", "pl")


def test_erase_needs_the_csrf_token(database_url, world):
    csrf_app = make_app(database_url, WTF_CSRF_ENABLED=True)
    browser = csrf_app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    login(browser, "admin@alpha.example", csrf_token=csrf_token_from(page))
    url = f"/admin/contact/{world.contact}/privacy/erase"
    assert browser.post(url, data={"confirm": "1"}).status_code == 400
    assert the_contact_by_id(world.contact).last_name == "Hansen"
    token = csrf_token_from(browser.get(url).get_data(as_text=True))
    assert browser.post(url, data={"confirm": "1", "csrf_token": token}).status_code == 302
    assert the_contact_by_id(world.contact).last_name == "Slettet person"


def test_erasure_entry_is_named_in_the_change_history(admin_client, world):
    admin_client.post(f"/admin/contact/{world.contact}/privacy/erase", data={"confirm": "1"})
    admin_client.get("/admin/")  # the messages of the set-up, shown once, are gone
    listing = admin_client.get("/admin/audit/").get_data(as_text=True)
    assert translated("Personal data erased") in listing
    assert NAME not in listing and EMAIL_ADDRESS not in listing


def test_the_archive_with_the_files_is_built_by_a_job(admin_client, world, tenant_a):
    assert admin_client.post(f"/admin/contact/{world.contact}/privacy/archive"
                             ).status_code == 400  # not the form the page posts
    page = admin_client.get(f"/admin/contact/{world.contact}/privacy/")
    assert f'action="/admin/contact/{world.contact}/privacy/archive"' in page.get_data(
        as_text=True)
    started = admin_client.post(f"/admin/contact/{world.contact}/privacy/archive",
                                data={"format": "zip"})
    assert started.status_code == 302
    job_page = started.headers["Location"]
    assert urlsplit(job_page).path.startswith("/admin/jobs/")
    status = admin_client.get(f"{job_page}status").get_json()
    assert (status["state"], status["summary"]) == ("done", {"files": 2})
    assert status["result_name"] == f"contact-{world.contact}-personal-data.zip"
    download = admin_client.get(status["download_url"])
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        names = archive.namelist()
        document = json.loads(archive.read("personal-data.json"))
        files = {name.split("-", 1)[1]: archive.read(name) for name in names
                 if name.startswith("files/")}
        assert archive.read("photo.jpg")[:3] == b"\xff\xd8\xff"  # stored as JPEG
    assert files == {"cv-jens.pdf": b"cv", "tilbud.pdf": b"pdf"}
    direct = export_of(admin_client, world.contact)
    assert {**document, "exported_at": None} == {**direct, "exported_at": None}
    assert "Evas note" not in json.dumps(document)


def test_only_administrators_of_the_tenant_start_the_archive(client, world, tenant_a, tenant_b):
    login(client, "user@alpha.example")
    url = f"/admin/contact/{world.contact}/privacy/archive"
    assert client.post(url, data={"format": "zip"}).status_code == 403
    client.post("/logout")
    login(client, "admin@beta.example")
    assert client.post(url, data={"format": "zip"}).status_code == 404
    with tenant_context(tenant_a.id):
        assert db.session.scalars(select(Job)).all() == []
