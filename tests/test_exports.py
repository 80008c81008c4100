"""Exports as each language's Excel opens them (issue 14): CSV in UTF-8 with a
byte-order mark, ";" and a decimal comma and the language's short date for da/sv/pl,
"," and ISO dates for en; XLSX with number and date cells under the list's translated
name; vCard 4.0 of the list (its filter and search) or of the selected contacts, read
back with vobject."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import vobject
from openpyxl import load_workbook

from app.models import Contact
from app.services.exports import tables, vcards
from app.services.fields.admin import FieldInput
from tests.conftest import export_csv, translated
from tests.factories import (
    field_labels,
    gen_contact,
    gen_fields,
    gen_opportunity,
    gen_organisation,
    gen_task,
)

MOMENT = datetime(2026, 1, 15, 8, 30, tzinfo=UTC)  # 09:30 in Copenhagen


def typed_table() -> tables.Table:
    return tables.Table("Kontakter", ["Navn", "Beløb", "Født", "Mødt", "Aktiv", "Tom"], [
        ["Åse Ærø", Decimal("1234.50"), date(1980, 12, 24), datetime(2026, 1, 15, 9, 30),
         True, None]])


@pytest.mark.parametrize(("language", "delimiter", "amount", "born", "met", "yes"), [
    ("da", ";", "1234,50", "24-12-1980", "15-01-2026 09:30", "Ja"),
    ("sv", ";", "1234,50", "1980-12-24", "2026-01-15 09:30", "Ja"),
    ("pl", ";", "1234,50", "24.12.1980", "15.01.2026 09:30", "Tak"),
    ("en", ",", "1234.50", "1980-12-24", "2026-01-15 09:30", "Yes"),
])
def test_csv_follows_the_language(app, language, delimiter, amount, born, met, yes):
    with app.test_request_context():
        data = tables.csv_bytes(typed_table(), language)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""),
                           delimiter=delimiter))
    assert rows == [["Navn", "Beløb", "Født", "Mødt", "Aktiv", "Tom"],
                    ["Åse Ærø", amount, born, met, yes, ""]]
    assert data.count(b"\r\n") == 2  # Excel's own line ends


def test_csv_in_pieces_is_the_same_file(app):
    table = tables.Table("T", ["A"], [[n] for n in range(1200)])
    with app.test_request_context():
        pieces = list(tables.csv_chunks(table, "da", rows_per_chunk=500))
        whole = tables.csv_bytes(tables.Table("T", ["A"], [[n] for n in range(1200)]), "da")
    assert len(pieces) == 3 and b"".join(pieces) == whole


def test_xlsx_cells_are_typed(app):
    workbook = load_workbook(io.BytesIO(tables.xlsx_bytes(typed_table())))
    sheet = workbook.active
    assert sheet.title == "Kontakter" and sheet.freeze_panes == "A2"
    header, row = list(sheet.iter_rows())
    assert all(cell.font.b for cell in header)
    name, amount, born, met, active, empty = row
    assert name.value == "Åse Ærø" and name.data_type == "s"
    assert amount.data_type == "n" and amount.value == 1234.5
    assert amount.number_format == "#,##0.00"
    assert born.is_date and born.value == datetime(1980, 12, 24)
    assert met.is_date and met.value == datetime(2026, 1, 15, 9, 30)
    assert active.value is True and empty.value is None


def test_contact_list_exports_in_danish(admin_client, tenant_a):
    names = gen_fields(tenant_a.id, met_on=FieldInput(
        labels=field_labels("Met on"), field_type="date"), budget=FieldInput(
        labels=field_labels("Budget"), field_type="decimal"))
    org = gen_organisation(tenant_a.id, "Ærø Øl ApS")
    response = admin_client.post("/admin/contact/new/", data={
        "kind": "company", "first_name": "Søren", "last_name": "Ærø", "email": "s@ae.dk",
        "country": "DK", "employments-0-organisation": str(org),
        "employments-0-is_primary": "y", "_confirm_duplicate": "1",
        names["met_on"]: "24-12-2025", names["budget"]: "1234.5"})
    assert response.status_code == 302, response.get_data(as_text=True)
    header, row = export_csv(admin_client, "contact")
    assert "Efternavn" in header and "Met on (da)" in header
    values = dict(zip(header, row, strict=True))
    assert values["Efternavn"] == "Ærø" and values["Organisation"] == "Ærø Øl ApS"
    assert values["Met on (da)"] == "24-12-2025" and values["Budget (da)"] == "1234,5"


def test_english_csv_keeps_comma_and_point(admin_client, tenant_a, pipeline_of_one):
    admin_client.get("/language/en")
    header, row = export_csv(admin_client, "opportunity", delimiter=",")
    assert header[:2] == ["Title", "Organisation"]
    assert row[3] == "1234.50" and "2026-03-01" in row


def test_xlsx_of_a_list_has_numbers_and_dates_under_its_name(admin_client, tenant_a,
                                                             pipeline_of_one):
    gen_task(tenant_a.id, "Ring", due_at=MOMENT)
    for path, sheet_name in (("opportunity", translated("Opportunities")),
                             ("task", translated("Tasks"))):
        response = admin_client.get(f"/admin/{path}/export/xlsx/")
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.data)).active
        assert sheet.title == sheet_name
        header, row = list(sheet.iter_rows())[:2]
        cells = {h.value: c for h, c in zip(header, row, strict=True)}
        if path == "opportunity":
            assert cells[translated("Amount")].data_type == "n"
            assert cells[translated("Amount")].value == 1234.5
            assert cells[translated("Expected close")].is_date
        else:  # the time on the display clock, a date cell
            assert cells[translated("Due")].value == datetime(2026, 1, 15, 9, 30)


def test_exports_keep_the_lists_search(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    gen_contact(tenant_a.id, org, "Anna", "Berg")
    gen_contact(tenant_a.id, org, "Bo", "Dahl")
    rows = export_csv(admin_client, "contact", "?search=Dahl")
    assert [row[0] for row in rows[1:]] == ["Dahl"]
    cards = list(vobject.readComponents(
        admin_client.get("/admin/contact/export/vcf/?search=Berg").get_data(as_text=True)))
    assert [card.fn.value for card in cards] == ["Anna Berg"]


def test_vcard_export_round_trip(admin_client, tenant_a, tenant_b):
    org = gen_organisation(tenant_a.id, "Nordlys; ApS", street="Havnegade 1",
                           postcode="1058", city="København", country="DK")
    gen_contact(tenant_a.id, org, "Jens", "Hansen, jr.", phone="+4520123456",
                mobile="+4540123456", job_title="Indkøber", website="https://nordlys.dk")
    response = admin_client.get("/admin/contact/export/vcf/")
    assert response.status_code == 200 and response.mimetype == "text/vcard"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    [card] = list(vobject.readComponents(text))
    assert card.version.value == "4.0"
    assert card.n.value.family == "Hansen, jr." and card.n.value.given == "Jens"
    assert card.fn.value == "Jens Hansen, jr." and card.org.value == ["Nordlys; ApS"]
    assert card.title.value == "Indkøber" and card.url.value == "https://nordlys.dk"
    assert card.email.value == "jens.hansen, jr.@example.com"
    tels = {tel.value: tel.params["TYPE"] for tel in card.contents["tel"]}
    assert tels == {"+4520123456": ["work", "voice"], "+4540123456": ["cell"]}
    assert card.adr.params["TYPE"] == ["work"]
    assert card.adr.value.street == "Havnegade 1" and card.adr.value.city == "København"
    assert card.adr.value.code == "1058" and card.adr.value.country == "Danmark"
    assert card.uid.value.startswith(f"kontakt-{tenant_a.id}-contact-")


def test_vcard_of_the_selected_contacts(admin_client, tenant_a, tenant_b):
    org = gen_organisation(tenant_a.id)
    chosen = gen_contact(tenant_a.id, org, "Anna", "Berg")
    gen_contact(tenant_a.id, org, "Bo", "Dahl")
    foreign = gen_contact(tenant_b.id, gen_organisation(tenant_b.id, "Obca"), "Obcy", "Nowak")
    response = admin_client.post("/admin/contact/action/", data={
        "action": "vcard", "rowid": [str(chosen), str(foreign), "x"]})
    assert response.status_code == 200 and response.mimetype == "text/vcard"
    cards = list(vobject.readComponents(response.get_data(as_text=True)))
    assert [card.fn.value for card in cards] == ["Anna Berg"]  # not the other tenant's
    listing = admin_client.get("/admin/contact/?search=Berg").get_data(as_text=True)
    for label in ("CSV for Excel", "Excel workbook (XLSX)", "vCard for address books",
                  "Download as vCard"):
        assert translated(label) in listing, label
    assert "/admin/contact/export/vcf/?search=Berg" in listing


def test_vcard_photo_is_embedded(app, tenant_a):
    from PIL import Image

    from app.extensions import db
    from app.services.contacts import photos
    from app.tenancy import tenant_context

    with app.test_request_context(), tenant_context(tenant_a.id):
        contact = Contact(first_name="Foto", last_name="Grafi",
                          photo=photos.store(Image.new("RGB", (300, 200), "teal")))
        db.session.add(contact)
        db.session.commit()
        version4 = vcards.vcard(contact)
        version3 = vcards.vcard(contact, vcards.Options(version=vcards.VERSION_3))
    unfolded = version4.replace("\r\n ", "")
    assert "\r\nPHOTO:data:image/jpeg;base64,/9j/" in unfolded
    card = vobject.readOne(version3)
    assert card.photo.value[:2] == b"\xff\xd8"  # a JPEG


@pytest.fixture
def pipeline_of_one(tenant_a):
    org = gen_organisation(tenant_a.id, "Nordlys ApS")
    gen_opportunity(tenant_a.id, "Alfa", organisation_id=org, amount=Decimal("1234.50"),
                    expected_close_on=date(2026, 3, 1))
