"""Attached files (D6): upload, download, names, types, size limit, deletion, the
files of a contact (with its e-mails'), swappable storage and tenant isolation."""

from __future__ import annotations

import io
import os
from pathlib import Path
from urllib.parse import quote

import pytest
from flask_babel import force_locale, gettext

from app.extensions import db
from app.models import Activity, Attachment, Contact
from app.services import storage
from app.services.activities import attachments
from app.tenancy import tenant_context
from tests.conftest import folder_of, login, records, upload
from tests.factories import PDF, gen_case, gen_contact, gen_organisation


def test_upload_and_download_give_back_the_same_bytes(app, admin_client, tenant_a):
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id),
                             email="jens@nordlys.example")
    response = upload(admin_client, contact_id, (PDF, "Tilbud 2024.pdf"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/contact/details/?id={contact_id}")
    [attachment] = records(Attachment, tenant_a.id)
    assert (attachment.filename, attachment.size) == ("Tilbud 2024.pdf", len(PDF))
    assert attachment.content_type == "application/pdf"
    assert attachment.contact_id == contact_id and attachment.uploaded_by.email == \
        "admin@alpha.example"
    assert (folder_of(app, tenant_a.id) / attachment.stored_name).read_bytes() == PDF
    assert "Tilbud" not in attachment.stored_name

    download = admin_client.get(f"/admin/attachments/{attachment.id}/download/")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == 'attachment; filename="Tilbud 2024.pdf"'
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "sandbox"
    assert "private" in download.headers["Cache-Control"]


def test_details_pages_list_the_files_with_an_upload_form(admin_client, tenant_a):
    organisation_id = gen_organisation(tenant_a.id)
    contact_id = gen_contact(tenant_a.id, organisation_id, email="jens@nordlys.example")
    upload(admin_client, contact_id, (b"notes", "møde.txt"))
    upload(admin_client, organisation_id, (b"csv", "liste.csv"), kind="organisation")
    contact_page = admin_client.get(f"/admin/contact/details/?id={contact_id}").get_data(
        as_text=True)
    assert "møde.txt" in contact_page and "liste.csv" not in contact_page
    assert f'action="/admin/attachments/contact/{contact_id}/upload/"' in contact_page
    org_page = admin_client.get(f"/admin/organisation/details/?id={organisation_id}")
    html = org_page.get_data(as_text=True)
    assert "liste.csv" in html and "møde.txt" not in html
    assert f'action="/admin/attachments/organisation/{organisation_id}/upload/"' in html
    case_id = gen_case(tenant_a.id, contact_id)
    response = upload(admin_client, case_id, (b"claim", "reklamation.txt"), kind="case")
    assert response.headers["Location"].endswith(f"/admin/case/details/?id={case_id}")
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "reklamation.txt" in html and "møde.txt" not in html


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd", "passwd"),
    ("..\\x.exe", "x.exe"),
    ("C:\\Users\\jens\\tilbud.pdf", "tilbud.pdf"),
    ("a\x00b.txt", "a b.txt"),
    ("evil\r\nX-Header: y.txt", "evil X-Header_ y.txt"),
    ("Ærø Łódź.pdf", "Ærø Łódź.pdf"),
    ("Za\u0328z\u0307o\u0301\u0142c\u0301.txt", "Zążółć.txt"),  # decomposed letters
    ('<script>"x".html', "_script__x_.html"),
    (".htaccess", "htaccess"),
    ("CON.txt", "_CON.txt"),
    ("", "file"),
    ("..", "file"),
    ("/", "file"),
])
def test_hostile_names_are_made_safe(name, expected):
    assert attachments.sanitise_filename(name) == expected


def test_long_names_are_cut_keeping_the_extension():
    name = attachments.sanitise_filename("x" * 300 + ".pdf")
    assert len(name) == attachments.MAX_NAME_LENGTH and name.endswith("xx.pdf")


def test_hostile_names_uploaded_stay_in_the_tenants_folder(app, admin_client, tenant_a):
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id),
                             email="jens@nordlys.example")
    names = ["../../etc/passwd", "..\\\\x.exe", "a\x00b.txt", "y" * 300 + ".pdf",
             "Ærø Łódź.pdf"]
    assert upload(admin_client, contact_id, *[(b"data", n) for n in names]).status_code == 302
    stored = records(Attachment, tenant_a.id)
    assert [a.filename for a in stored][:3] == ["passwd", "x.exe", "a b.txt"]
    assert len(stored[3].filename) == 150 and stored[3].filename.endswith(".pdf")
    assert stored[4].filename == "Ærø Łódź.pdf"
    assert sorted(os.listdir(folder_of(app, tenant_a.id))) == sorted(
        a.stored_name for a in stored)
    assert not (Path(app.config["UPLOAD_FOLDER"]).parent / "etc").exists()
    download = admin_client.get(f"/admin/attachments/{stored[4].id}/download/")
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"AEro Lodz.pdf\"; "
        f"filename*=UTF-8''{quote('Ærø Łódź.pdf')}")


def test_type_comes_from_the_name_not_the_browser(admin_client, tenant_a):
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id),
                             email="jens@nordlys.example")
    files = {"file": [(io.BytesIO(b"%PDF"), "a.pdf", "text/html"),
                      (io.BytesIO(b"?"), "noextension", "image/png"),
                      (io.BytesIO(b"gz"), "backup.tar.gz", "text/plain")]}
    admin_client.post(f"/admin/attachments/contact/{contact_id}/upload/", data=files,
                      content_type="multipart/form-data")
    assert [a.content_type for a in records(Attachment, tenant_a.id)] == [
        "application/pdf", "application/octet-stream", "application/gzip"]


def test_too_large_or_empty_files_are_refused_and_nothing_is_kept(
        app, admin_client, tenant_a, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 100_000)
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id),
                             email="jens@nordlys.example")
    # the first file is stored before the second is refused: both must go
    response = upload(admin_client, contact_id, (b"ok", "small.txt"),
                      (b"x" * 100_001, "big.bin"))
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    with force_locale("da"):
        expected = gettext("The file is larger than %(size)s MB.", size="0,1")
    assert expected in page
    assert records(Attachment, tenant_a.id) == []
    assert os.listdir(folder_of(app, tenant_a.id)) == []
    upload(admin_client, contact_id, (b"", "empty.txt"))
    assert records(Attachment, tenant_a.id) == []
    assert upload(admin_client, contact_id).status_code == 302  # no file chosen
    assert records(Attachment, tenant_a.id) == []


def test_other_tenants_files_and_contacts_are_not_found(client, tenant_a, tenant_b):
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id),
                             email="jens@nordlys.example")
    login(client, "admin@alpha.example")
    upload(client, contact_id, (PDF, "hemmelig.pdf"))
    [attachment] = records(Attachment, tenant_a.id)
    client.post("/logout")
    login(client, "admin@beta.example")
    assert client.get(f"/admin/attachments/{attachment.id}/download/").status_code == 404
    assert client.post(f"/admin/attachments/{attachment.id}/delete/").status_code == 404
    assert upload(client, contact_id, (b"x", "inject.txt")).status_code == 404
    for bad in ("999999", "abc", "99999999999999999999", "-1"):
        assert client.get(f"/admin/attachments/{bad}/download/").status_code == 404
    assert upload(client, contact_id, (b"x", "x.txt"), kind="tenant").status_code == 404
    assert records(Attachment, tenant_b.id) == []
    assert [a.filename for a in records(Attachment, tenant_a.id)] == ["hemmelig.pdf"]


def test_only_the_uploader_or_an_admin_deletes(app, client, tenant_a):
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id),
                             email="jens@nordlys.example")
    login(client, "admin@alpha.example")
    upload(client, contact_id, (b"admin's", "admin.txt"))
    client.post("/logout")
    login(client, "user@alpha.example")
    upload(client, contact_id, (b"user's", "user.txt"))
    admins, users = records(Attachment, tenant_a.id)
    assert client.post(f"/admin/attachments/{admins.id}/delete/").status_code == 403
    response = client.post(f"/admin/attachments/{users.id}/delete/")
    assert response.status_code == 302
    assert [a.filename for a in records(Attachment, tenant_a.id)] == ["admin.txt"]
    assert os.listdir(folder_of(app, tenant_a.id)) == [admins.stored_name]
    client.post("/logout")
    login(client, "admin@alpha.example")
    assert client.post(f"/admin/attachments/{admins.id}/delete/").status_code == 302
    assert records(Attachment, tenant_a.id) == []
    assert os.listdir(folder_of(app, tenant_a.id)) == []


def test_contact_files_include_the_attachments_of_its_emails(admin_client, tenant_a):
    organisation_id = gen_organisation(tenant_a.id)
    contact_id = gen_contact(tenant_a.id, organisation_id, email="jens@nordlys.example")
    other_id = gen_contact(tenant_a.id, organisation_id, last_name="Berg",
                           email="anna@nordlys.example")
    with tenant_context(tenant_a.id):
        email = Activity(kind="email", subject="Tilbud", organisation_id=organisation_id,
                         contacts=[db.session.get(Contact, contact_id)])
        note = Activity(kind="note", subject="Notat", organisation_id=organisation_id,
                        contacts=[db.session.get(Contact, contact_id)])
        db.session.add_all([email, note])
        db.session.commit()
        email_id, note_id = email.id, note.id
    upload(admin_client, email_id, (PDF, "tilbud.pdf"), kind="activity")
    upload(admin_client, note_id, (b"n", "notat.txt"), kind="activity")
    upload(admin_client, contact_id, (b"c", "kontrakt.txt"))
    with tenant_context(tenant_a.id):
        assert [a.filename for a in attachments.files_of(contact_id=contact_id)] == [
            "kontrakt.txt", "tilbud.pdf"]
        assert attachments.files_of(contact_id=other_id) == []
        assert [a.filename for a in attachments.files_of(activity_id=email_id)] == [
            "tilbud.pdf"]
    page = admin_client.get(f"/admin/contact/details/?id={contact_id}").get_data(as_text=True)
    assert "tilbud.pdf" in page and "Tilbud" in page and "notat.txt" not in page


def test_deleting_the_owner_deletes_its_files(app, admin_client, tenant_a):
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id),
                             email="jens@nordlys.example")
    upload(admin_client, contact_id, (b"x", "a.txt"), (b"y", "b.txt"))
    assert len(os.listdir(folder_of(app, tenant_a.id))) == 2
    response = admin_client.post("/admin/contact/delete/", data={"id": contact_id})
    assert response.status_code == 302
    assert records(Attachment, tenant_a.id) == []
    assert os.listdir(folder_of(app, tenant_a.id)) == []


class MemoryStorage:
    """A store kept in a dict: shows that ATTACHMENT_STORAGE swaps the backend."""

    files: dict[str, bytes] = {}

    def __init__(self, config) -> None:
        self.config = config

    def save(self, key: str, data) -> None:
        self.files[key] = data if isinstance(data, bytes) else data.read()

    def open(self, key: str):
        if key not in self.files:
            raise FileNotFoundError(key)
        return io.BytesIO(self.files[key])

    def exists(self, key: str) -> bool:
        return key in self.files

    def delete(self, key: str) -> None:
        self.files.pop(key, None)


def test_storage_is_chosen_by_configuration(app, admin_client, tenant_a, monkeypatch):
    monkeypatch.setitem(storage.BACKENDS, "memory", MemoryStorage)
    monkeypatch.setitem(app.config, "ATTACHMENT_STORAGE", "memory")
    monkeypatch.setattr(MemoryStorage, "files", {})
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id),
                             email="jens@nordlys.example")
    upload(admin_client, contact_id, (PDF, "i-hukommelsen.pdf"))
    [attachment] = records(Attachment, tenant_a.id)
    key = f"tenant-{tenant_a.id}/attachments/{attachment.stored_name}"
    assert MemoryStorage.files == {key: PDF}
    assert not folder_of(app, tenant_a.id).exists()
    assert admin_client.get(f"/admin/attachments/{attachment.id}/download/").data == PDF
    admin_client.post(f"/admin/attachments/{attachment.id}/delete/")
    assert MemoryStorage.files == {}
    # a factory may also be named by its import path
    monkeypatch.setitem(app.config, "ATTACHMENT_STORAGE", f"{__name__}:MemoryStorage")
    with app.app_context():
        assert isinstance(storage.store(), MemoryStorage)
