"""Long list exports as background jobs (views.exports): beyond EXPORT_INLINE_LIMIT
rows the export button starts a job that rebuilds the list's query — its filter, search
and sort, the user's tenant and rights — and attaches the file; pruning removes old
result files (crm prune-jobs)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import openpyxl
import pytest
import vobject
from sqlalchemy import insert, select

from app import jobs
from app.extensions import db
from app.models import Contact
from app.models.base import utcnow
from app.models.job import DONE, Job
from app.services import storage
from app.tenancy import tenant_context
from tests.conftest import filter_arg, login, reload
from tests.factories import gen_contact, gen_job, gen_organisation

USER = "user@alpha.example"


@pytest.fixture
def people(app, tenant_a, tenant_b, monkeypatch):
    """Six contacts of tenant A, three of them in Ry; tenant B's Ry contact too."""
    monkeypatch.setitem(app.config, "EXPORT_INLINE_LIMIT", 2)
    org = gen_organisation(tenant_a.id, "Nordlys ApS")
    for n, city in enumerate(("Ry", "Ry", "Aarhus", "Ry", "Odense", "Vejle")):
        gen_contact(tenant_a.id, org, f"Navn{n}", f"Æblø{n}", city=city)
    gen_contact(tenant_b.id, gen_organisation(tenant_b.id), "Fremmed", "Person", city="Ry")


def export_through_job(client, export_type: str, query: dict) -> tuple[dict, bytes]:
    started = client.get(f"/admin/contact/export/{export_type}/?{urlencode(query)}")
    assert started.status_code == 302
    job_page = urlsplit(started.headers["Location"]).path
    assert job_page.startswith("/admin/jobs/")
    status = client.get(f"{job_page}status").get_json()
    assert status["state"] == DONE, status
    download = client.get(status["download_url"])
    assert download.status_code == 200
    return status, download.data


def test_a_long_filtered_and_searched_list_is_exported_by_a_job(app, admin_client, tenant_a,
                                                                 people):
    city = filter_arg(app, "contact", "city", "equals")
    query = {city: "Ry", "search": "navn", "sort": "1", "desc": "1"}  # last name, Z-A
    status, data = export_through_job(admin_client, "csv", query)
    assert status["summary"] == {"rows": 3} and status["total"] == 3
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    names = [row[0] for row in rows[1:]]  # last names
    assert names == ["Æblø3", "Æblø1", "Æblø0"]  # only the filtered rows, in the list's order
    assert status["result_name"].endswith(".csv")
    # the same list under the limit is the file at once, with the same rows
    app.config["EXPORT_INLINE_LIMIT"] = 3
    inline = admin_client.get(f"/admin/contact/export/csv/?{urlencode(query)}")
    assert inline.status_code == 200 and inline.data == data


@pytest.mark.parametrize("sort", [{}, {"sort": "1", "desc": "1"}, {"sort": "4"},
                                  {"sort": "4", "desc": "1"}])
def test_an_export_holds_every_row_of_the_list_not_its_first_page(app, admin_client,
                                                                   tenant_a, sort):
    """Regression: the list's paging took Flask-Admin's "no limit" for exports (a page
    size of 0) for its own page size, and an export held the list's first 20 rows —
    by last name, by organisation (views.relation_sort), in a job or at once."""
    organisations = [gen_organisation(tenant_a.id, f"Firma {n}") for n in range(3)]
    with tenant_context(tenant_a.id):
        db.session.execute(insert(Contact), [
            {"tenant_id": tenant_a.id, "kind": "company", "first_name": f"Navn{n}",
             "last_name": f"Efternavn{n:02d}", "email": f"p{n}@example.dk",
             "organisation_id": organisations[n % 4] if n % 4 < 3 else None}
            for n in range(45)])
        db.session.commit()
    query = {"page_size": "20", **sort}
    app.config["EXPORT_INLINE_LIMIT"] = 10
    _status, data = export_through_job(admin_client, "csv", query)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert sorted(row[0] for row in rows[1:]) == [f"Efternavn{n:02d}" for n in range(45)]
    app.config["EXPORT_INLINE_LIMIT"] = 1000
    inline = admin_client.get(f"/admin/contact/export/csv/?{urlencode(query)}")
    assert inline.status_code == 200 and inline.data == data


def test_xlsx_and_vcard_exports_through_a_job(app, admin_client, tenant_a, people):
    city = filter_arg(app, "contact", "city", "equals")
    _status, data = export_through_job(admin_client, "xlsx", {city: "Ry"})
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == [
        "Æblø0", "Æblø1", "Æblø3"]
    _status, data = export_through_job(admin_client, "vcf", {city: "Ry"})
    cards = list(vobject.readComponents(data.decode("utf-8")))
    assert sorted(card.n.value.family for card in cards) == ["Æblø0", "Æblø1", "Æblø3"]


def test_the_export_job_runs_as_the_user_in_the_users_tenant(app, client, tenant_a, people):
    login(client, USER)
    status, data = export_through_job(client, "csv", {})
    text = data.decode("utf-8-sig")
    assert status["summary"] == {"rows": 6}
    assert "Fremmed" not in text and text.count("Æblø") == 6
    with tenant_context(tenant_a.id):
        job = db.session.scalars(select(Job)).one()
    assert (job.kind, job.user.email, job.params["endpoint"]) == ("export_list", USER,
                                                                    "contact")


def test_prune_removes_old_result_files_and_keeps_recent_ones(app, client, tenant_a):
    old = gen_job(tenant_a.id, USER, result=b"old", result_name="gammel.csv",
                  finished_at=utcnow() - timedelta(days=8))
    recent = gen_job(tenant_a.id, USER, result=b"new", result_name="ny.csv",
                     finished_at=utcnow() - timedelta(days=6))
    with tenant_context(tenant_a.id):
        old_key = db.session.get(Job, old).result_key
    result = app.test_cli_runner().invoke(args=["crm", "prune-jobs"])
    assert result.exit_code == 0 and "Removed 1 " in result.output
    with app.test_request_context(), tenant_context(tenant_a.id):
        assert not storage.exists(jobs.RESULTS, old_key)
    assert reload(Job, tenant_a.id, old).result_key is None
    assert reload(Job, tenant_a.id, recent).result_key is not None
    login(client, USER)
    assert client.get(f"/admin/jobs/{old}/download").status_code == 404
    page = client.get(f"/admin/jobs/{old}/").get_data(as_text=True)
    assert 'id="job-expired"' in page and "gammel.csv" in page
    assert client.get(f"/admin/jobs/{recent}/download").data == b"new"
    result = app.test_cli_runner().invoke(args=["crm", "prune-jobs", "--days", "1"])
    assert "Removed 1 " in result.output
    assert reload(Job, tenant_a.id, recent).result_key is None
