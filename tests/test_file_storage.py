"""Every file of the app — attachments, contact photos, letterhead logos, job results —
through the one storage interface, on local disk and on a real S3 API (moto's server
on loopback): stored under the tenant's prefix, served by the app, deleted with their
records. Each test runs on both stores (the ``file_store`` fixture)."""

from __future__ import annotations

import base64
import io
import re

import pytest
from openpyxl import Workbook
from PIL import Image

from app.models import Attachment, Contact
from app.services import storage
from app.tenancy import tenant_context
from tests.conftest import login, post_contact, records, upload
from tests.factories import PDF, contact_form, gen_contact, gen_organisation, picture, submit_job

USER = "user@alpha.example"


def keys_of(file_store, tenant_id: int, kind: str) -> set[str]:
    prefix = f"tenant-{tenant_id}/{kind}/"
    return {key.removeprefix(prefix) for key in file_store.stored() if key.startswith(prefix)}


def test_an_attachment_is_stored_served_and_deleted(file_store, admin_client, tenant_a):
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id),
                             email="jens@nordlys.example")
    assert upload(admin_client, contact_id, (PDF, "Tilbud Ærø.pdf")).status_code == 302
    [attachment] = records(Attachment, tenant_a.id)
    assert file_store.stored() == {f"tenant-{tenant_a.id}/attachments/{attachment.stored_name}"}
    download = admin_client.get(f"/admin/attachments/{attachment.id}/download/")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Security-Policy"] == "sandbox"
    assert "filename*=UTF-8''Tilbud%20%C3%86r%C3%B8.pdf" in download.headers[
        "Content-Disposition"]
    response = admin_client.post(f"/admin/attachments/{attachment.id}/delete/")
    assert response.status_code == 302
    assert file_store.stored() == set()
    assert admin_client.get(f"/admin/attachments/{attachment.id}/download/").status_code == 404


def test_a_large_attachment_streams_in_and_out(file_store, admin_client, tenant_a, app,
                                               monkeypatch):
    """12 MB: S3 takes it as a multipart upload (parts of 8 MB), the download streams
    it back unchanged."""
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 15 * 1024 * 1024)
    data = bytes(range(256)) * (48 * 1024)
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id))
    assert upload(admin_client, contact_id, (data, "stor.bin")).status_code == 302
    [attachment] = records(Attachment, tenant_a.id)
    download = admin_client.get(f"/admin/attachments/{attachment.id}/download/")
    assert download.status_code == 200
    assert download.data == data


def test_a_file_gone_from_the_store_is_not_found(file_store, admin_client, tenant_a):
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id))
    upload(admin_client, contact_id, (PDF, "væk.pdf"))
    [attachment] = records(Attachment, tenant_a.id)
    with tenant_context(tenant_a.id):
        storage.delete("attachments", attachment.stored_name)
        assert not storage.exists("attachments", attachment.stored_name)
    assert admin_client.get(f"/admin/attachments/{attachment.id}/download/").status_code == 404
    # deleting the record still works when its file is already gone
    assert admin_client.post(f"/admin/attachments/{attachment.id}/delete/").status_code == 302
    assert records(Attachment, tenant_a.id) == []


def test_a_refused_upload_leaves_no_file(file_store, admin_client, tenant_a, app, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 1000)
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id))
    upload(admin_client, contact_id, (PDF, "lille.pdf"), (b"x" * 2000, "stor.pdf"))
    assert records(Attachment, tenant_a.id) == []
    assert file_store.stored() == set()


def test_tenants_files_are_under_their_own_prefix(file_store, app, client, tenant_a, tenant_b):
    for tenant, email in ((tenant_a, "admin@alpha.example"), (tenant_b, "admin@beta.example")):
        login(client, email)
        upload(client, gen_contact(tenant.id, gen_organisation(tenant.id)), (PDF, "a.pdf"))
    [mine] = records(Attachment, tenant_a.id)
    [theirs] = records(Attachment, tenant_b.id)
    assert file_store.stored() == {f"tenant-{tenant_a.id}/attachments/{mine.stored_name}",
                                 f"tenant-{tenant_b.id}/attachments/{theirs.stored_name}"}
    # logged in as tenant B's admin: tenant A's attachment does not exist
    assert client.get(f"/admin/attachments/{mine.id}/download/").status_code == 404
    with tenant_context(tenant_b.id):  # nor does its file under tenant B's prefix
        assert storage.read("attachments", mine.stored_name) is None
        assert storage.read("attachments", theirs.stored_name) == PDF


def test_names_not_made_by_the_store_are_never_keys(file_store, app, tenant_a):
    with tenant_context(tenant_a.id):
        for name in ("../tenant-2/attachments/x.bin", "a/b.bin", "", None, "X" * 32 + ".bin"):
            assert storage.read("attachments", name) is None
            assert storage.exists("attachments", name) is False
            with pytest.raises(FileNotFoundError):
                storage.open("attachments", name)
            storage.delete("attachments", name)  # nothing to do, no error
        with pytest.raises(ValueError):
            storage.save("attachments", "../escape.bin", b"x")
    with pytest.raises(RuntimeError):  # no tenant, no files
        storage.read("attachments", storage.new_name(".bin"))


def test_a_contact_photo_is_stored_served_and_removed(file_store, admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    response = post_contact(admin_client, **contact_form(org),
                            photo_upload=(picture(), "mig.png"))
    assert response.status_code == 302
    [contact] = records(Contact, tenant_a.id)
    first = contact.photo
    stem = first.removesuffix(".jpg")
    assert keys_of(file_store, tenant_a.id, "photos") == {first, f"{stem}_thumb.jpg"}
    full = admin_client.get(f"/admin/contact/photo/{contact.id}/")
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(full.data)).size) == 800
    assert full.cache_control.private and full.cache_control.max_age == 86400
    again = admin_client.get(f"/admin/contact/photo/{contact.id}/",
                             headers={"If-None-Match": full.headers["ETag"]})
    assert again.status_code == 304
    thumb = admin_client.get(f"/admin/contact/photo/{contact.id}/?thumbnail=1")
    assert max(Image.open(io.BytesIO(thumb.data)).size) == 160
    # the vCard export reads the thumbnail through the store too
    card = admin_client.get("/admin/contact/export/vcf/").get_data(as_text=True)
    unfolded = card.replace("\r\n ", "")
    assert f"PHOTO:data:image/jpeg;base64,{base64.b64encode(thumb.data).decode()}" in unfolded

    edit_url = f"/admin/contact/edit/?id={contact.id}"
    assert post_contact(admin_client, edit_url, **contact_form(org),
                        photo_upload=(picture("JPEG"), "ny.jpg")).status_code == 302
    [contact] = records(Contact, tenant_a.id)
    assert first not in keys_of(file_store, tenant_a.id, "photos")
    assert len(keys_of(file_store, tenant_a.id, "photos")) == 2
    assert post_contact(admin_client, edit_url, **contact_form(org),
                        remove_photo="y").status_code == 302
    assert file_store.stored() == set()
    assert admin_client.get(f"/admin/contact/photo/{contact.id}/").status_code == 404


def test_a_letterhead_logo_is_stored_served_and_printed(file_store, admin_client, tenant_a):
    data = {"sender_name": "Alfa Salg ApS", "sender_address": "Strandvejen 7", "footer": ""}
    response = admin_client.post("/admin/letterhead/", content_type="multipart/form-data",
                                 data={**data, "logo_upload": (picture(), "logo.png")})
    assert response.status_code == 302
    [logo] = keys_of(file_store, tenant_a.id, "letterhead")
    served = admin_client.get("/admin/letterhead/logo")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert Image.open(io.BytesIO(served.data)).format == "PNG"
    sample = admin_client.get("/admin/letterhead/sample.pdf")
    assert sample.status_code == 200
    assert re.search(rb"/Subtype\s*/Image", sample.data)  # the logo, read from the store

    admin_client.post("/admin/letterhead/", content_type="multipart/form-data",
                      data={**data, "logo_upload": (picture("JPEG"), "nyt.jpg")})
    [replacement] = keys_of(file_store, tenant_a.id, "letterhead")
    assert replacement != logo
    admin_client.post("/admin/letterhead/", data={**data, "remove_logo": "y"})
    assert file_store.stored() == set()
    assert admin_client.get("/admin/letterhead/logo").status_code == 404
    sample = admin_client.get("/admin/letterhead/sample.pdf")
    assert not re.search(rb"/Subtype\s*/Image", sample.data)


def test_a_job_result_is_stored_and_downloaded(file_store, client, tenant_a):
    job_id = submit_job(tenant_a.id, USER, names=["ø", "å"], attach=True)
    [result] = keys_of(file_store, tenant_a.id, "job-results")
    assert result.endswith(".csv")
    login(client, USER)
    status = client.get(f"/admin/jobs/{job_id}/status").get_json()
    assert status["download_url"] == f"/admin/jobs/{job_id}/download"
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download.data == "ø;å".encode("utf-8-sig")
    assert "filename*=UTF-8''M%C3%A6rker.csv" in download.headers["Content-Disposition"]
    with tenant_context(tenant_a.id):
        storage.delete("job-results", result)
    assert client.get(f"/admin/jobs/{job_id}/status").get_json()["download_url"] is None
    assert client.get(f"/admin/jobs/{job_id}/download").status_code == 404


def test_a_failed_job_leaves_no_result_file(file_store, tenant_a):
    submit_job(tenant_a.id, USER, names=["a"], refuse_at="a", attach=True)
    assert file_store.stored() == set()


def _import_upload(client, content: bytes, name: str) -> str:
    response = client.post("/admin/import/", data={"file": (io.BytesIO(content), name),
                                                   "kind": "contacts"},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    token = re.search(r"/admin/import/([0-9a-f]{32})/columns",
                      response.headers["Location"]).group(1)
    response = client.post(f"/admin/import/{token}/columns", data={
        "column_0": "first_name", "column_1": "last_name", "column_2": "email"})
    assert response.status_code == 302
    return token


def test_an_import_reads_its_upload_from_the_store_and_prune_removes_it(
        file_store, admin_client, app, tenant_a):
    """The upload and its plan wait in the store (streamed from it at each step), the
    error file is the job's result there; ``crm prune-jobs`` removes old uploads."""
    text = "Fornavn;Efternavn;E-mail\nSøren;Ærø;soren@x.dk\nBo;;bo@x\n"
    token = _import_upload(admin_client, text.encode("cp1252"), "kunder.csv")
    assert keys_of(file_store, tenant_a.id, "imports") == {f"{token}.dat",
                                                           f"{token}_plan.json"}
    preview = admin_client.get(f"/admin/import/{token}/preview").get_data(as_text=True)
    assert "Søren" in preview and preview.count("table-danger") == 1
    response = admin_client.post(f"/admin/import/{token}/run",
                                 data={"mode": "good-rows", "on_match": "skip"})
    assert response.status_code == 302
    assert [(c.first_name, c.last_name) for c in records(Contact, tenant_a.id)] == [
        ("Søren", "Ærø")]
    [error_file] = keys_of(file_store, tenant_a.id, "job-results")
    download = admin_client.get(f"/admin/import/{token}/errors.csv", follow_redirects=True)
    assert download.status_code == 200 and b"Bo;;bo@x" in download.data
    book = Workbook()
    book.active.append(["Fornavn", "Efternavn", "E-mail"])
    book.active.append(["Åse", "Berg", "aase@x.dk"])
    content = io.BytesIO()
    book.save(content)
    xlsx = _import_upload(admin_client, content.getvalue(), "kunder.xlsx")
    assert "Åse" in admin_client.get(f"/admin/import/{xlsx}/preview").get_data(as_text=True)
    runner = app.test_cli_runner()
    assert "Removed 0 " in runner.invoke(args=["crm", "prune-jobs"]).output
    assert len(keys_of(file_store, tenant_a.id, "imports")) == 4
    assert "Removed 5 " in runner.invoke(args=["crm", "prune-jobs", "--days", "0"]).output
    assert keys_of(file_store, tenant_a.id, "imports") == set()
    assert error_file not in keys_of(file_store, tenant_a.id, "job-results")
    assert admin_client.get(f"/admin/import/{token}/preview").status_code == 404
