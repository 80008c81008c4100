"""Exports hold no formulas: text a spreadsheet program would read as one (= + - @, a tab
or a carriage return first) is written with a leading apostrophe in the CSV and the XLSX
of every list, XLSX text cells are strings, and numbers stay numbers — whoever typed the
text, a user or a website visitor whose lead was accepted."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.models import Lead
from app.services.fields.admin import FieldInput
from app.services.spreadsheets import cell_value
from app.views.base import SecureModelView
from tests.conftest import export_csv, intake, records
from tests.factories import (
    contact_form,
    field_labels,
    gen_case,
    gen_contact,
    gen_fields,
    gen_organisation,
    open_intake,
)

FORMULA_STARTS = ("=", "+", "-", "@")
HOSTILE_NAMES = ("=1+1", "@SUM(1)", "+1", "-1", '=HYPERLINK("http://x","y")')


@pytest.mark.parametrize(("value", "written"), [
    ("=1+1", "'=1+1"), ("@SUM(1)", "'@SUM(1)"), ("+1", "'+1"), ("-1", "'-1"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("  =1", "'  =1"), ("Jensen", "Jensen"),
    ("a=b", "a=b"), ("", ""), ("ok\x00\x07", "ok"), (b"=1", "'=1"),
    (-1, -1), (2.5, 2.5), (Decimal("-300.00"), Decimal("-300.00")), (True, True), (None, None),
])
def test_cell_value(value, written):
    assert cell_value(value) == written


def csv_rows(client, path: str) -> list[list[str]]:
    return export_csv(client, path)


def xlsx_rows(client, path: str) -> list[tuple]:
    """The XLSX export's rows of openpyxl cells (``value``, ``data_type``)."""
    response = client.get(f"/admin/{path}/export/xlsx/")
    assert response.status_code == 200 and response.mimetype.endswith(".sheet")
    return list(load_workbook(io.BytesIO(response.data)).active.iter_rows())


def values(row) -> list:
    return [getattr(cell, "value", cell) for cell in row]


def assert_no_formula(row) -> None:
    """No cell is a formula or text a spreadsheet would take for one; text cells of an
    XLSX row are strings."""
    for cell in row:
        value = getattr(cell, "value", cell)
        if isinstance(value, str):
            assert not value.lstrip().startswith(FORMULA_STARTS), value
            assert getattr(cell, "data_type", "s") == "s", value


def post_contact(client, org: int, n: int, **values) -> None:
    response = client.post("/admin/contact/new/", data=contact_form(
        org, email=f"p{n}@nordlys.example", phone="", _confirm_duplicate="1", **values))
    assert response.status_code == 302, values


def test_contact_exports_hold_no_formulas(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    for n, name in enumerate(HOSTILE_NAMES):
        post_contact(admin_client, org, n, first_name=name, last_name=name)
    for rows in (csv_rows(admin_client, "contact"), xlsx_rows(admin_client, "contact")):
        assert len(rows) == 1 + len(HOSTILE_NAMES)
        exported = [values(row) for row in rows[1:]]
        for name in HOSTILE_NAMES:
            assert any(row.count(f"'{name}") == 2 for row in exported), name
        for row in rows:
            assert_no_formula(row)


def test_numbers_stay_numbers_and_titles_are_neutralised(admin_client, tenant_a):
    names = gen_fields(tenant_a.id, visits=FieldInput(
        labels=field_labels("=Visits"), field_type="integer", show_in_list=True))
    post_contact(admin_client, gen_organisation(tenant_a.id), 1, **{names["visits"]: "-3"})
    titles = csv_rows(admin_client, "contact")[0]
    assert "'=Visits (da)" in titles  # a tenant's field label is a column title
    gen_case(tenant_a.id, gen_contact(tenant_a.id), "-Sag")
    title_row, row = xlsx_rows(admin_client, "case")[:2]
    reference = row[0]  # the case's reference number, the first column
    assert reference.data_type == "n" and reference.value == 1
    assert "'-Sag" in values(row)
    assert_no_formula(title_row)
    assert_no_formula(row)


def test_accepted_lead_from_a_website_is_exported_without_formulas(client, admin_client,
                                                                   tenant_a):
    token = open_intake(tenant_a.id)
    hostile = '=HYPERLINK("http://x","y")'
    response = intake(client, "alpha", token, data={
        "name": f"{hostile} {hostile}", "company": "@SUM(1)", "email": "x@nordlys.example",
        "message": "-1+1"})
    assert response.status_code == 201
    lead_id = records(Lead, tenant_a.id)[0].id
    assert admin_client.post(f"/admin/lead/{lead_id}/accept/").status_code == 302
    for path, expected in (("contact", f"'{hostile}"), ("organisation", "'@SUM(1)"),
                           ("case", "'@SUM(1)")):
        for rows in (csv_rows(admin_client, path), xlsx_rows(admin_client, path)):
            assert expected in [v for row in rows for v in values(row)], path
            for row in rows:
                assert_no_formula(row)


def test_every_export_goes_through_the_one_safe_writer(app):
    """No screen writes an export its own way (each would need its own neutralising)."""
    exporting = [view for view in app.extensions["admin"][0]._views
                 if getattr(view, "can_export", False)]
    assert {view.endpoint for view in exporting} >= {
        "contact", "organisation", "case", "task", "activity", "opportunity", "campaign",
        "project"}
    for view in exporting:
        assert isinstance(view, SecureModelView), view.endpoint
        for method in ("_export_csv", "_export_tablib", "export_rows"):
            assert getattr(type(view), method) is getattr(SecureModelView, method), (
                view.endpoint, method)
        assert set(view.export_types) <= {"csv", "xlsx", "vcf"}
