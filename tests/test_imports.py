"""Import of contacts and organisations (issue 14): every file written here, in each
encoding, separator and format a Nordic or Polish office meets; mapping guesses,
matching, the two modes, the error file, the CLI, the screen and tenant isolation."""

from __future__ import annotations

import base64
import io
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale, ngettext
from openpyxl import Workbook
from PIL import Image
from sqlalchemy import func, select

from app.cli import crm
from app.extensions import db
from app.models import AuditEntry, Contact, Employment, ImportMapping, Job, Organisation, User
from app.services.contacts import photos
from app.services.imports import mapping, reading, runner, values
from app.services.settings import update_settings
from app.tenancy import tenant_context
from tests.conftest import count_queries, csrf_token_from, login, records, translated

HEADER = "Fornavn;Efternavn;E-mail;Telefon;Firma;Fødselsdato\n"


@pytest.fixture(autouse=True)
def email_optional(monkeypatch):
    """Files from other systems often lack e-mails: the tenants here do not require one
    (test_the_same_rules_as_the_forms turns it on)."""
    from app.models import tenant

    monkeypatch.setitem(tenant.DEFAULT_SETTINGS, "email_required", False)


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run_file(tenant_id: int, path: Path, kind: str = mapping.CONTACTS, **options):
    """Import as the tenant's administrator, committed; the result (or, mode all with
    refusals, the refusal's result after the rollback)."""
    with tenant_context(tenant_id):
        user = db.session.scalar(select(User).where(User.role == "admin"))
        source = reading.open_source(path)
        columns = options.pop("columns", None) or mapping.guess(kind, source.headers)
        plan = runner.ImportPlan(kind, source, columns, **options)
        try:
            result = runner.run_import(plan, user)
        except runner.ImportRefused as exc:
            db.session.rollback()
            return exc.result
        db.session.commit()
        return result


def contacts_of(tenant_id: int) -> list[Contact]:
    return records(Contact, tenant_id)


def names(tenant_id: int) -> list[tuple[str, str]]:
    return [(c.first_name, c.last_name) for c in contacts_of(tenant_id)]


# --- reading ------------------------------------------------------------------------

@pytest.mark.parametrize("encoding, first, last", [
    ("utf-8", "Søren", "Ærøskøbing"),
    ("utf-8-sig", "Åsa", "Öberg"),
    ("cp1252", "Søren", "Æbelø"),
    ("cp1250", "Łucja", "Wąsik-Źdźbłoń"),
])
def test_each_encoding_is_detected(tenant_a, tmp_path, encoding, first, last):
    city = "Łódź ąęłńśźż" if encoding == "cp1250" else "Århus æøå"
    text = f"Fornavn;Efternavn;By\n{first};{last};{city}\nJens;Ærø;{city}\n"
    if encoding == "cp1250":
        text = text.replace("Ærø", "Żółć")
    path = write(tmp_path, text, encoding)
    source = reading.open_source(path)
    assert source.encoding == encoding
    result = run_file(tenant_a.id, path)
    assert result.created == 2 and result.refused == 0
    assert (first, last) in names(tenant_a.id)
    assert contacts_of(tenant_a.id)[0].city == city


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_each_delimiter_is_detected(tenant_a, tmp_path, delimiter):
    rows = [["First name", "Last name", "City"], ["Anna", "Berg", "Malmö, Skåne"],
            ["Bo", "Ek", "Lund"]]
    text = "\n".join(delimiter.join(f'"{c}"' if "," in c else c for c in row)
                     for row in rows) + "\n"
    path = write(tmp_path, text)
    assert reading.open_source(path).delimiter == delimiter
    run_file(tenant_a.id, path)
    assert [(c.first_name, c.city) for c in contacts_of(tenant_a.id)] == [
        ("Anna", "Malmö, Skåne"), ("Bo", "Lund")]


def test_quoted_newlines_trailing_empty_columns_and_line_numbers(tenant_a, tmp_path):
    text = ('Fornavn;Efternavn;Adresse;;\r\n'
            'Anna;Hansen;"Vestergade 1\r\n2. sal";;\r\n'
            '\r\n'
            'Bo;;Nørregade 2;;\r\n'
            'Carl;Berg;Torvet 3\r\n')
    path = write(tmp_path, text)
    source = reading.open_source(path)
    assert source.headers == ["Fornavn", "Efternavn", "Adresse"]
    result = run_file(tenant_a.id, path)
    assert (result.created, result.refused) == (2, 1)
    assert result.errors[0].line == 5  # the record after a two-line value and a blank
    assert "Efternavn" not in result.errors[0].reasons[0]
    assert contacts_of(tenant_a.id)[0].street == "Vestergade 1\r\n2. sal"


def test_xlsx_with_number_and_date_cells(tenant_a, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Fornavn", "Efternavn", "Mobil", "Fødselsdato", "Kundenummer"])
    sheet.append(["Anna", "Hansen", 21234567, datetime(1980, 12, 24), 1001])
    sheet.append(["Bo", "Ek", 21234568.0, "24.12.1981", None])
    sheet.append([None, None, None, None, None])
    path = tmp_path / "contacts.xlsx"
    book.save(path)
    result = run_file(tenant_a.id, path)
    assert (result.created, result.refused) == (2, 0)
    anna, bo = contacts_of(tenant_a.id)
    assert (anna.mobile, anna.birth_date, anna.customer_number) == (
        "+4521234567", date(1980, 12, 24), 1001)
    assert (bo.mobile, bo.birth_date) == ("+4521234568", date(1981, 12, 24))


def test_an_xls_file_is_refused_with_a_reason(tmp_path):
    path = write(tmp_path, "not really", name="old.xls")
    with pytest.raises(reading.ServiceError):
        reading.open_source(path, "old.xls")


# --- vCards -------------------------------------------------------------------------

def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), "teal").save(buffer, "JPEG")
    return buffer.getvalue()


VCARD_21 = """BEGIN:VCARD\r
VERSION:2.1\r
N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=B8rgensen;S=C3=B8ren;;;\r
FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:S=C3=B8ren J=C3=B8rgensen\r
ORG:Nordisk Lys ApS\r
TITLE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Indk=C3=B8bschef\r
TEL;WORK;VOICE:33 12 34 56\r
TEL;CELL:21 23 45 67\r
EMAIL;PREF;INTERNET:soren@nordisklys.dk\r
END:VCARD\r
"""


def test_vcard_21_quoted_printable(tenant_a, tmp_path):
    path = write(tmp_path, VCARD_21, name="outlook.vcf")
    result = run_file(tenant_a.id, path)
    assert (result.created, result.refused) == (1, 0)
    [contact] = contacts_of(tenant_a.id)
    assert (contact.first_name, contact.last_name) == ("Søren", "Jørgensen")
    assert (contact.phone, contact.mobile) == ("+4533123456", "+4521234567")
    assert contact.email == "soren@nordisklys.dk"
    with tenant_context(tenant_a.id):
        contact = db.session.get(Contact, contact.id)
        assert contact.organisation.name == "Nordisk Lys ApS"
        assert contact.employments[0].title == "Indkøbschef"


def test_vcard_30_folded_lines_address_and_several_phones(tenant_a, tmp_path):
    card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Berg;Anna;Maria;;\r\nFN:Anna Maria Berg\r\n"
            "ORG:Svensk Hand\r\n el AB;Sälj\r\nTITLE:Key account\r\n"
            "TEL;TYPE=HOME,VOICE:+46 8 123 456 78\r\nTEL;TYPE=CELL:+46 70 123 45 67\r\n"
            "EMAIL;TYPE=INTERNET,HOME:anna.home@example.se\r\n"
            "EMAIL;TYPE=INTERNET,WORK,PREF:anna.berg@svenskhandel.se\r\n"
            "ADR;TYPE=WORK:;;Storgatan 1;Malmö;;211 34;Sverige\r\n"
            "BDAY:1975-03-09\r\nURL:www.svenskhandel.se\r\nEND:VCARD\r\n")
    result = run_file(tenant_a.id, write(tmp_path, card, name="apple.vcf"))
    assert (result.created, result.refused) == (1, 0), result.errors
    [contact] = contacts_of(tenant_a.id)
    assert (contact.first_name, contact.last_name) == ("Anna Maria", "Berg")
    assert contact.email == "anna.berg@svenskhandel.se"
    assert (contact.phone, contact.mobile) == ("+46812345678", "+46701234567")
    assert (contact.street, contact.postcode, contact.city, contact.country) == (
        "Storgatan 1", "211 34", "Malmö", "SE")
    assert contact.birth_date == date(1975, 3, 9)
    assert contact.website == "https://www.svenskhandel.se"
    with tenant_context(tenant_a.id):
        assert db.session.get(Contact, contact.id).organisation.name == "Svensk Handel AB"


def test_vcard_40_several_cards_with_a_photo(tenant_a, tmp_path):
    photo = base64.b64encode(_jpeg()).decode()
    cards = ("BEGIN:VCARD\nVERSION:4.0\nFN:Piotr Nowak\nN:Nowak;Piotr;;;\n"
             "ORG:Polska Firma Sp. z o.o.\nEMAIL:piotr@firma.pl\n"
             "TEL;VALUE=uri;TYPE=\"cell,voice\":tel:+48-601-234-567\n"
             f"PHOTO:data:image/jpeg;base64,{photo}\nBDAY:19801224\nEND:VCARD\n"
             "BEGIN:VCARD\nVERSION:4.0\nFN:Ewa Kowalska\nN:Kowalska;Ewa;;;\n"
             "EMAIL:ewa@example.pl\nEND:VCARD\n")
    result = run_file(tenant_a.id, write(tmp_path, cards, name="google.vcf"))
    assert (result.created, result.refused) == (2, 0), result.errors
    piotr, ewa = contacts_of(tenant_a.id)
    assert piotr.mobile == "+48601234567" and piotr.birth_date == date(1980, 12, 24)
    with tenant_context(tenant_a.id):
        assert piotr.photo and photos.read(piotr.photo) is not None
    assert ewa.photo is None and ewa.kind == "private"


# --- mapping ------------------------------------------------------------------------

@pytest.mark.parametrize("headers, expected", [
    (["First Name", "Last Name", "E-mail Address", "Business Phone", "Mobile Phone",
      "Company", "Job Title", "Business Street", "Business Postal Code", "Business City",
      "Birthday"],  # Outlook
     ["first_name", "last_name", "email", "phone", "mobile", "organisation", "job_title",
      "street", "postcode", "city", "birth_date"]),
    (["Given Name", "Family Name", "E-mail 1 - Value", "Phone 1 - Value",
      "Organization 1 - Name", "Organization 1 - Title"],  # Google Contacts
     ["first_name", "last_name", "email", "phone", "organisation", "job_title"]),
    (["First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number",
      "Company Name", "Street Address", "Postal Code", "Country/Region", "Website URL"],
     ["first_name", "last_name", "email", "phone", "mobile", "organisation", "street",
      "postcode", "country", "website"]),  # HubSpot
    (["Fornavn", "Efternavn", "E-mail", "Mobil", "Stilling", "Firma", "CVR-nr.",
      "Postnr.", "By", "Fødselsdato", "Kundenr."],  # Danish
     ["first_name", "last_name", "email", "mobile", "job_title", "organisation",
      "registration_number", "postcode", "city", "birth_date", "customer_number"]),
    (["Förnamn", "Efternamn", "E-post", "Mobiltelefon", "Befattning", "Företag",
      "Postnummer", "Ort", "Födelsedatum"],  # Swedish
     ["first_name", "last_name", "email", "mobile", "job_title", "organisation",
      "postcode", "city", "birth_date"]),
    (["Imię", "Nazwisko", "Adres e-mail", "Telefon komórkowy", "Stanowisko",
      "Nazwa firmy", "NIP", "Kod pocztowy", "Miejscowość", "Data urodzenia"],  # Polish
     ["first_name", "last_name", "email", "mobile", "job_title", "organisation",
      "registration_number", "postcode", "city", "birth_date"]),
    (["Name", "Unknown column", "Phone", "Phone"],
     ["full_name", "", "phone", ""]),
])
def test_header_guesses(tenant_a, headers, expected):
    with tenant_context(tenant_a.id):
        assert mapping.guess(mapping.CONTACTS, headers) == expected


def test_e_conomic_customer_export_guesses_organisations(tenant_a):
    headers = ["Kundenr.", "Navn", "Adresse", "Postnr.", "By", "Land", "CVR-nr.",
               "Telefon", "E-mail", "Hjemmeside"]
    with tenant_context(tenant_a.id):
        assert mapping.guess(mapping.ORGANISATIONS, headers) == [
            "", "name", "street", "postcode", "city", "country", "registration_number",
            "phone", "email", "website"]


def test_a_configurable_field_is_guessed_and_imported(tenant_a, tmp_path):
    from app.services.fields import admin as field_admin

    with tenant_context(tenant_a.id):
        section = field_admin.create_section("contact", {"en": "Sales"})
        field_admin.create_field(section, field_admin.FieldInput(
            labels={"en": "Budget", "da": "Budget"}, field_type="decimal"))
        field_admin.create_field(section, field_admin.FieldInput(
            labels={"en": "Visited", "da": "Besøgt"}, field_type="date"))
        db.session.commit()
    path = write(tmp_path, 'Fornavn;Efternavn;Budget;Besøgt\nAnna;Berg;"1.234,50";24-12-2025\n'
                           'Bo;Ek;1 234,50;2025-12-24\nCarl;Ny;mange;\n')
    result = run_file(tenant_a.id, path)
    assert (result.created, result.refused) == (2, 1)
    assert result.errors[0].reasons == [f"Budget: {translated('Enter a number.', 'en')}"]
    anna, bo = contacts_of(tenant_a.id)
    assert list(anna.custom.values()) == [1234.5, "2025-12-24"]
    assert bo.custom == anna.custom


def test_saved_mappings_apply_by_header_name(tenant_a):
    with tenant_context(tenant_a.id):
        mapping.save(mapping.CONTACTS, "CRM export", ["A", "B", "C"],
                     ["last_name", "first_name", ""])
        db.session.commit()
        saved = mapping.by_name(mapping.CONTACTS, "CRM export")
        assert mapping.apply(saved, ["C", "B", "A", "E-mail"]) == [
            "", "first_name", "last_name", "email"]
        with pytest.raises(mapping.ServiceError):
            mapping.checked(mapping.CONTACTS, ["email", "email"])
        with pytest.raises(mapping.ServiceError):
            mapping.checked(mapping.CONTACTS, ["email"])  # no names


# --- values -------------------------------------------------------------------------

def test_numbers_and_dates_as_people_write_them():
    assert values.number_text("1.234,50") == "1234.50"
    assert values.number_text("1 234,50") == "1234.50"
    assert values.number_text("1,5") == "1.5"
    assert values.number_text("1.234.567") == "1234567"
    for written in ("24-12-1980", "24.12.1980", "1980-12-24", "24/12/1980"):
        assert values.to_date(written, "birth_date") == date(1980, 12, 24)
    with pytest.raises(values.ServiceError):
        values.to_date("31-02-1980", "birth_date")


def test_phone_numbers_in_the_tenants_national_format(tenant_b, tmp_path):
    path = write(tmp_path, "Imię;Nazwisko;Telefon\nPiotr;Nowak;601 234 567\n"
                           "Ewa;Lis;+45 21 23 45 67\nJan;Zły;123\n")
    from flask_babel import force_locale

    with force_locale("pl"):
        result = run_file(tenant_b.id, path)
    assert (result.created, result.refused) == (2, 1)
    assert [c.phone for c in contacts_of(tenant_b.id)] == ["+48601234567", "+4521234567"]
    assert result.errors[0].reasons == [
        f"{translated('Phone', 'pl')}: {translated('This is not a valid phone number.', 'pl')}"]


# --- matching -----------------------------------------------------------------------

def _existing(tenant_id: int) -> None:
    path_text = HEADER + "Anna;Hansen;Anna@Firma.dk;;Firma ApS;\n"
    from tempfile import TemporaryDirectory

    with TemporaryDirectory() as folder:
        run_file(tenant_id, write(Path(folder), path_text))


def test_a_matching_email_skips_or_updates_never_duplicates(tenant_a, tmp_path):
    _existing(tenant_a.id)
    path = write(tmp_path, HEADER + "Anne;Hansen;anna@firma.DK;33 12 34 56;Firma ApS;\n")
    skipped = run_file(tenant_a.id, path)
    assert (skipped.created, skipped.skipped) == (0, 1)
    updated = run_file(tenant_a.id, path, on_match=runner.ON_MATCH_UPDATE)
    assert (updated.created, updated.updated) == (0, 1)
    [contact] = contacts_of(tenant_a.id)
    assert (contact.first_name, contact.phone, contact.email) == (
        "Anne", "+4533123456", "anna@firma.DK")
    with tenant_context(tenant_a.id):
        history = db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "contact", AuditEntry.record_id == contact.id)
            .order_by(AuditEntry.id)).all()
    assert [entry.action for entry in history] == ["create", "update"]
    assert history[1].changes["first_name"] == ["Anna", "Anne"]
    assert len(records(Organisation, tenant_a.id)) == 2  # Firma ApS, private customers


def test_customer_number_and_registration_number_match(tenant_a, tmp_path):
    path = write(tmp_path, "Navn;CVR-nr.;By\nFirma A/S;DK 13 58 50 16;Odense\n")
    assert run_file(tenant_a.id, path, kind=mapping.ORGANISATIONS).created == 1
    again = write(tmp_path, "Navn;CVR-nr.;By\nFirma A/S (ny);13585016;Vejle\n", name="2.csv")
    result = run_file(tenant_a.id, again, kind=mapping.ORGANISATIONS,
                      on_match=runner.ON_MATCH_UPDATE)
    assert (result.created, result.updated) == (0, 1)
    [organisation] = records(Organisation, tenant_a.id)
    assert (organisation.name, organisation.city, organisation.registration_number) == (
        "Firma A/S (ny)", "Vejle", "13585016")
    first = write(tmp_path, "Kundenummer;Fornavn;Efternavn\n7;Anna;Berg\n", name="3.csv")
    run_file(tenant_a.id, first)
    second = write(tmp_path, "Kundenummer;Fornavn;Efternavn\n7;Anne;Berg\n", name="4.csv")
    assert run_file(tenant_a.id, second).skipped == 1
    assert names(tenant_a.id) == [("Anna", "Berg")]


def test_a_contact_row_finds_its_organisation_by_registration_number(tenant_a, tmp_path):
    run_file(tenant_a.id, write(tmp_path, "Navn;CVR\nNordisk A/S;13585016\n"),
             kind=mapping.ORGANISATIONS)
    path = write(tmp_path, "Fornavn;Efternavn;Firma;CVR\nAnna;Berg;Nordisk;13585016\n"
                           "Bo;Ek;nordisk a/s;\n", name="c.csv")
    result = run_file(tenant_a.id, path)
    assert (result.created, result.organisations_created) == (2, 0)
    organisation_id = records(Organisation, tenant_a.id)[0].id
    assert {c.organisation_id for c in contacts_of(tenant_a.id)} == {organisation_id}
    assert len(records(Employment, tenant_a.id)) == 2


def test_duplicates_within_the_file_are_refused(tenant_a, tmp_path):
    path = write(tmp_path, HEADER + "Anna;Berg;anna@x.dk;;;\nAnne;Berg;ANNA@x.dk;;;\n"
                 "Bo;Ek;;;Firma;\nbo;ek;;;firma;\n")
    result = run_file(tenant_a.id, path)
    assert (result.created, result.refused) == (2, 2)
    assert [e.line for e in result.errors] == [3, 5]
    assert "line 2" in result.errors[0].reasons[0]


# --- modes and the error file -------------------------------------------------------

BAD_FILE = (HEADER + "Anna;Berg;anna@x.dk;;;24-12-1980\n"
            "Bo;;bo@x;;;\n"
            "Carl;Dahl;carl@x.dk;;;31-13-1980\n")


def test_mode_all_leaves_nothing_behind(tenant_a, tmp_path):
    with tenant_context(tenant_a.id):
        entries = db.session.scalar(select(func.count(AuditEntry.id)))
    result = run_file(tenant_a.id, write(tmp_path, BAD_FILE), mode=runner.MODE_ALL)
    assert result.rolled_back and (result.created, result.refused) == (0, 2)
    assert [e.line for e in result.errors] == [3, 4]
    assert contacts_of(tenant_a.id) == [] and records(Organisation, tenant_a.id) == []
    with tenant_context(tenant_a.id):
        assert db.session.scalar(select(func.count(AuditEntry.id))) == entries


def test_good_rows_mode_and_the_error_file_reimported(tenant_a, tmp_path):
    errors = tmp_path / "errors.csv"
    result = run_file(tenant_a.id, write(tmp_path, BAD_FILE), errors_path=errors)
    assert (result.created, result.refused) == (1, 2)
    data = errors.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == HEADER.strip() + ";Import error"
    assert lines[1].startswith('Bo;;bo@x;;;;"Line 3: ')
    fixed = data.decode("utf-8-sig").replace("Bo;;bo@x", "Bo;Ek;bo@x.dk").replace(
        "31-13-1980", "31-12-1980")
    again = run_file(tenant_a.id, write(tmp_path, fixed, "utf-8-sig", "fixed.csv"))
    assert (again.created, again.refused) == (2, 0)
    assert sorted(names(tenant_a.id)) == [("Anna", "Berg"), ("Bo", "Ek"), ("Carl", "Dahl")]


def test_the_same_rules_as_the_forms(tenant_a, tmp_path):
    with tenant_context(tenant_a.id):
        update_settings(db.session.get(__import__("app.models", fromlist=["Tenant"]).Tenant,
                                       tenant_a.id), {"email_required": True,
                                                      "unique_contact_id": True})
        db.session.commit()
    path = write(tmp_path, "Fornavn;Efternavn;E-mail;CPR;Hjemmeside;Sprog\n"
                           "Anna;Berg;;;;\nBo;Ek;bo@x.dk;010203-1234;javascript:x;xx\n"
                           "Carl;Dahl;carl@x.dk;;carl.dk;da\n")
    result = run_file(tenant_a.id, path)
    assert (result.created, result.refused) == (1, 2)
    assert len(result.errors[0].reasons) == 1 and "E-mail" in result.errors[0].reasons[0]
    assert {reason.split(":")[0] for reason in result.errors[1].reasons} >= {
        "Personal ID country", "Website", "Preferred language"}
    [carl] = contacts_of(tenant_a.id)
    assert (carl.website, carl.preferred_language, carl.customer_number) == (
        "https://carl.dk", "da", 1)


# --- scale: queries per batch ---------------------------------------------------------

def _rows(count: int, offset: int = 0) -> str:
    return HEADER + "".join(f"Anna;Berg {n};a{n}@firma{n % 7}.dk;{21234567 + n};Firma {n % 7};\n"
                            for n in range(offset, offset + count))


def test_queries_per_batch_do_not_grow_with_rows(tenant_a, tmp_path):
    run_file(tenant_a.id, write(tmp_path, _rows(10), name="warm.csv"))  # the organisations
    counts = []
    for size, name in ((runner.BATCH, "one.csv"), (3 * runner.BATCH, "three.csv")):
        path = write(tmp_path, _rows(size, offset=10 + len(counts) * 10_000), name=name)
        with count_queries() as statements:
            result = run_file(tenant_a.id, path)
        assert result.created == size
        counts.append(len(statements))
    # two more batches cost two batches' statements, about ten each, whatever their rows
    assert counts[1] - counts[0] <= 2 * 10, counts
    assert counts[0] <= 13, counts


# --- CLI ------------------------------------------------------------------------------

def test_cli_imports_with_summary_and_exit_codes(app, tenant_a, tmp_path):
    runner_ = app.test_cli_runner()
    path = write(tmp_path, BAD_FILE)
    errors = tmp_path / "errors.csv"
    result = runner_.invoke(crm, ["import", "contacts", str(path), "--tenant", "alpha",
                                  "--errors", str(errors)])
    assert result.exit_code == 0, result.output
    assert "created: 1" in result.output and "refused: 2" in result.output
    assert "line 3:" in result.output and errors.exists()
    again = runner_.invoke(crm, ["import", "contacts", str(path), "--tenant", "alpha",
                                 "--on-match", "skip"])
    assert again.exit_code == 1 and "skipped: 1" in again.output
    all_mode = runner_.invoke(crm, ["import", "contacts", str(path), "--tenant", "alpha",
                                    "--mode", "all", "--on-match", "update"])
    assert all_mode.exit_code == 1 and "Nothing was imported" in all_mode.output
    assert len(contacts_of(tenant_a.id)) == 1
    unknown = runner_.invoke(crm, ["import", "contacts", str(path), "--tenant", "alpha",
                                   "--mapping", "Nope"])
    assert unknown.exit_code == 1  # in the tenant's language
    assert translated("There is no saved mapping of that name.") in unknown.output


def test_cli_saved_mapping_and_acting_user(app, tenant_a, tmp_path):
    with tenant_context(tenant_a.id):
        mapping.save(mapping.CONTACTS, "Old CRM", ["Who", "Family"],
                     ["first_name", "last_name"])
        db.session.commit()
    path = write(tmp_path, "Who;Family\nAnna;Berg\n")
    result = app.test_cli_runner().invoke(crm, [
        "import", "contacts", str(path), "--tenant", "alpha", "--mapping", "Old CRM",
        "--as", "user@alpha.example"])
    assert result.exit_code == 0, result.output
    [contact] = contacts_of(tenant_a.id)
    with tenant_context(tenant_a.id):
        assert db.session.get(Contact, contact.id).responsible_user.email == \
            "user@alpha.example"


# --- the screen -----------------------------------------------------------------------

def _upload(client, content: bytes, name: str, kind: str = "contacts"):
    return client.post("/admin/import/", data={"file": (io.BytesIO(content), name),
                                               "kind": kind},
                       content_type="multipart/form-data")


def test_web_flow_end_to_end(admin_client, tenant_a):
    response = _upload(admin_client, BAD_FILE.encode("cp1252"), "kunder.csv")
    assert response.status_code == 302
    columns_url = response.headers["Location"]
    token = re.search(r"/admin/import/([0-9a-f]{32})/columns", columns_url).group(1)
    page = admin_client.get(columns_url).get_data(as_text=True)
    assert 'for="column_0"' in page and "Anna" in page
    assert re.search(r'<option value="first_name" selected>', page)
    response = admin_client.post(columns_url, data={
        "column_0": "first_name", "column_1": "last_name", "column_2": "email",
        "column_3": "", "column_4": "", "column_5": "birth_date",
        "mapping_name": "Kundeliste"})
    assert response.headers["Location"].endswith(f"/admin/import/{token}/preview")
    preview = admin_client.get(f"/admin/import/{token}/preview").get_data(as_text=True)
    assert preview.count("table-danger") == 2 and "Carl" in preview
    job_page = _run(admin_client, token, "good-rows")
    assert re.search(r"<dt[^>]*>[^<]*</dt><dd[^>]*>1</dd>", job_page)  # created: 1
    assert f'href="/admin/import/{token}/result"' in job_page
    [job] = records(Job, tenant_a.id)
    assert (job.kind, job.state, job.params["mode"]) == ("import_contacts", "done", "good-rows")
    assert job.summary == {"created": 1, "updated": 0, "skipped": 0, "refused": 2,
                           "organisations_created": 0}
    page = admin_client.get(f"/admin/import/{token}/result").get_data(as_text=True)
    assert re.search(r"<dd[^>]*>1</dd>", page) and "errors.csv" in page
    download = admin_client.get(f"/admin/import/{token}/errors.csv", follow_redirects=True)
    assert download.status_code == 200 and download.data.startswith(b"\xef\xbb\xbf")
    assert b"Bo;;bo@x" in download.data
    assert admin_client.get(f"/admin/jobs/{job.id}/download").data == download.data
    assert names(tenant_a.id) == [("Anna", "Berg")]
    assert [m.name for m in records(ImportMapping, tenant_a.id)] == ["Kundeliste"]


def _run(client, token: str, mode: str, on_match: str = "skip") -> str:
    """Post the import (a job, run at once in the tests); its job's page."""
    response = client.post(f"/admin/import/{token}/run",
                           data={"mode": mode, "on_match": on_match})
    assert response.status_code == 302
    assert re.fullmatch(r"/admin/jobs/\d+/", response.headers["Location"])
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _mapped_upload(client, content: bytes, name: str = "kunder.csv") -> str:
    token = re.search(r"([0-9a-f]{32})", _upload(client, content, name)
                      .headers["Location"]).group(1)
    assert client.post(f"/admin/import/{token}/columns", data={
        "column_0": "first_name", "column_1": "last_name", "column_2": "email",
        "column_3": "", "column_4": "", "column_5": "birth_date"}).status_code == 302
    return token


def test_web_mode_all_rolls_back_and_keeps_the_result_and_error_file(admin_client,
                                                                      tenant_a):
    """A refused all-or-nothing import leaves no contact, organisation or history
    entry behind; its job fails saying why, with the counts, the result page and the
    error file still there."""
    token = _mapped_upload(admin_client, BAD_FILE.encode())
    job_page = _run(admin_client, token, "all")
    with force_locale("da"):
        assert ngettext("Nothing was imported: %(num)d row was refused.",
                        "Nothing was imported: %(num)d rows were refused.", 2) in job_page
    [job] = records(Job, tenant_a.id)
    assert job.state == "failed" and job.summary["refused"] == 2
    assert job.summary["created"] == 0 and job.result_name.endswith(".csv")
    assert contacts_of(tenant_a.id) == [] and records(Organisation, tenant_a.id) == []
    assert not [e for e in records(AuditEntry, tenant_a.id)
                if e.entity in ("contact", "organisation")]
    page = admin_client.get(f"/admin/import/{token}/result").get_data(as_text=True)
    assert 'class="alert alert-danger"' in page and "errors.csv" in page
    download = admin_client.get(f"/admin/import/{token}/errors.csv", follow_redirects=True)
    assert download.status_code == 200 and b"Bo;;bo@x" in download.data
    assert b"Anna" not in download.data  # only the refused rows
    status = admin_client.get(f"/admin/jobs/{job.id}/status").get_json()
    assert status["download_url"] == f"/admin/jobs/{job.id}/download"
    assert status["page_url"] == f"/admin/import/{token}/result"


def test_web_import_of_an_xlsx_upload(admin_client, tenant_a):
    book = Workbook()
    book.active.append(["Fornavn", "Efternavn", "E-mail", "Telefon", "Firma", "Fødselsdato"])
    book.active.append(["Åse", "Ærø", "aase@x.dk", None, None, datetime(1980, 12, 24)])
    content = io.BytesIO()
    book.save(content)
    token = _mapped_upload(admin_client, content.getvalue(), "kunder.xlsx")
    _run(admin_client, token, "all")
    [contact] = contacts_of(tenant_a.id)
    assert (contact.first_name, contact.birth_date) == ("Åse", date(1980, 12, 24))


def test_web_refuses_a_mapping_without_names_and_other_tenants_tokens(
        client, tenant_a, tenant_b):
    login(client, "admin@alpha.example")
    token = re.search(r"([0-9a-f]{32})", _upload(client, BAD_FILE.encode(), "k.csv")
                      .headers["Location"]).group(1)
    page = client.post(f"/admin/import/{token}/columns", data={"column_0": "email"})
    assert page.status_code == 200
    assert translated("Choose the column with the names.") in page.get_data(as_text=True)
    client.post("/logout")
    login(client, "admin@beta.example")
    for url in ("columns", "preview", "result", "errors.csv"):
        assert client.get(f"/admin/import/{token}/{url}").status_code == 404
    assert client.post(f"/admin/import/{token}/run",
                       data={"mode": "all", "on_match": "skip"}).status_code == 404
    assert client.get("/admin/import/../../etc/columns").status_code == 404


def test_web_upload_form_is_labelled(admin_client):
    page = admin_client.get("/admin/import/").get_data(as_text=True)
    assert re.search(r'<label[^>]*for="file"', page) and re.search(
        r'<label[^>]*for="kind"', page)
    token = csrf_token_from(page) if "csrf_token" in page else None
    assert token is None or token


# --- the bulk path: the same records and history as a form's, events, the writer -------

def test_imported_records_carry_what_a_form_would_save_and_its_history(tenant_a, tmp_path):
    path = write(tmp_path, HEADER + "Anna;Berg;anna@firma.dk;33 12 34 56;Firma ApS;24.12.1980\n"
                                    "Bo;Ek;;;;\n")
    result = run_file(tenant_a.id, path)
    assert (result.created, result.organisations_created) == (2, 1)
    anna, bo = sorted(contacts_of(tenant_a.id), key=lambda c: c.first_name)
    firma = next(o for o in records(Organisation, tenant_a.id) if o.name == "Firma ApS")
    assert (anna.tenant_id, anna.kind, anna.organisation_id, anna.phone, anna.birth_date) == (
        tenant_a.id, "company", firma.id, "+4533123456", date(1980, 12, 24))
    assert anna.created_at is not None and anna.consent_email is False and anna.custom == {}
    assert bo.kind == "private" and bo.organisation_id != firma.id
    with tenant_context(tenant_a.id):
        admin_id = db.session.scalar(select(User.id).where(User.role == "admin"))
        [entry] = db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "contact", AuditEntry.record_id == anna.id)).all()
        [made] = db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "organisation", AuditEntry.record_id == firma.id)).all()
        employments = db.session.scalars(select(Employment).where(
            Employment.contact_id == anna.id)).all()
    assert (entry.action, entry.user_id, entry.tenant_id) == ("create", admin_id, tenant_a.id)
    expected = {"first_name": [None, "Anna"], "last_name": [None, "Berg"],
                "email": [None, "anna@firma.dk"], "phone": [None, "+4533123456"],
                "birth_date": [None, "1980-12-24"], "kind": [None, "company"],
                "responsible_user_id": [None, admin_id]}
    if anna.customer_number:  # numbered when the tenant's setting says so
        expected["customer_number"] = [None, anna.customer_number]
    assert entry.changes == expected
    assert made.changes == {"name": [None, "Firma ApS"]}
    assert [(e.organisation_id, e.is_primary) for e in employments] == [(firma.id, True)]


@pytest.mark.parametrize("batch", [runner.BATCH, 1])
def test_imported_records_make_their_webhook_events(app, tenant_a, tmp_path, monkeypatch,
                                                    batch):
    from app.models import WebhookDelivery
    from app.services import webhooks
    from app.transactions import commit_or_refuse

    monkeypatch.setattr(runner, "BATCH", batch)  # 1: each row a batch of its own
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    with tenant_context(tenant_a.id):
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        commit_or_refuse(lambda: webhooks.register(
            "http://127.0.0.1:9/hook", ["contact.created", "organisation.created"], admin))
    result = run_file(tenant_a.id, write(tmp_path, HEADER + "Anna;Berg;;;Firma ApS;\n"
                                                            "Bo;Ek;;;Firma ApS;\n"))
    assert result.created == 2
    with tenant_context(tenant_a.id):
        made = db.session.execute(select(WebhookDelivery.event, WebhookDelivery.record_id)
                                  .order_by(WebhookDelivery.id)).all()
    ids = {c.id for c in contacts_of(tenant_a.id)}
    firma = next(o for o in records(Organisation, tenant_a.id) if o.name == "Firma ApS")
    assert sorted(made) == sorted([("organisation.created", firma.id),
                                   *(("contact.created", contact_id) for contact_id in ids)])


def test_a_tenant_without_contacts_is_matched_without_queries(tenant_a, tmp_path):
    path = write(tmp_path, _rows(50))
    with count_queries() as statements:
        assert run_file(tenant_a.id, path).created == 50
    assert not [s for s in statements if "lower(contact.email)" in s]
    again = write(tmp_path, _rows(50, offset=25), name="again.csv")
    with count_queries() as statements:
        result = run_file(tenant_a.id, again)
    assert (result.created, result.skipped) == (25, 25)
    assert [s for s in statements if "lower(contact.email)" in s]


def test_nul_in_a_file_is_dropped_as_it_is_read(tenant_a, tmp_path):
    """NUL cannot be stored (PostgreSQL refuses it in text): it is dropped from the
    cells as the file is read — PostgreSQL's COPY passes no statement guard."""
    path = write(tmp_path, HEADER + "An\x00na;Ber\x00g;an\x00na@x.dk;;Fir\x00ma ApS;\n")
    assert [row.cells[:3] for row in reading.open_source(path).rows()] == [
        ["Anna", "Berg", "anna@x.dk"]]
    assert run_file(tenant_a.id, path).created == 1
    [anna] = contacts_of(tenant_a.id)
    assert (anna.first_name, anna.last_name, anna.email) == ("Anna", "Berg", "anna@x.dk")
    assert [o.name for o in records(Organisation, tenant_a.id)
            if not o.is_private_customers] == ["Firma ApS"]
    with tenant_context(tenant_a.id):
        [entry] = db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "contact")).all()
    assert entry.changes["first_name"] == [None, "Anna"]


def test_settings_are_read_once_per_import_not_per_row(tenant_a, tmp_path, monkeypatch):
    from app.services.contacts import contacts

    asked = []
    real = contacts.setting
    monkeypatch.setattr(contacts, "setting", lambda key: asked.append(key) or real(key))
    counts = []
    for size in (3, 30):
        asked.clear()
        assert run_file(tenant_a.id, write(tmp_path, _rows(size, offset=len(counts) * 100),
                                           name=f"{size}.csv")).created == size
        counts.append(len(asked))
    assert counts[0] == counts[1] <= 2, counts


def test_the_collector_spares_the_process_objects_while_an_import_runs(
        tenant_a, tmp_path, monkeypatch):
    import gc

    frozen = []
    real = runner._Run.batch

    def batch(run, rows):
        frozen.append((gc.get_freeze_count(), gc.get_threshold()[0]))
        real(run, rows)

    monkeypatch.setattr(runner._Run, "batch", batch)
    assert gc.get_freeze_count() == 0
    threshold = gc.get_threshold()
    assert run_file(tenant_a.id, write(tmp_path, _rows(5))).created == 5
    assert frozen and all(count > 0 for count, _young in frozen), frozen
    assert all(young >= runner._CollectorSpared.YOUNG for _count, young in frozen), frozen
    assert gc.get_freeze_count() == 0  # handed back afterwards
    assert gc.get_threshold() == threshold


def test_the_collector_is_handed_back_when_the_last_of_two_imports_ends():
    import gc

    threshold = gc.get_threshold()
    with runner._collector_spared():
        with runner._collector_spared():
            assert gc.get_threshold()[0] >= runner._CollectorSpared.YOUNG
        assert gc.get_freeze_count() > 0  # the other import still runs
    assert (gc.get_threshold(), gc.get_freeze_count()) == (threshold, 0)


def test_bulk_rows_are_written_without_nul_by_either_database(app, tenant_a):
    """PostgreSQL's COPY passes no statement guard: the bulk writer drops NUL itself."""
    from app.services.imports import writing

    with tenant_context(tenant_a.id):
        user = db.session.scalar(select(User).where(User.role == "admin"))
        blank = (None,) * (len(writing.ORGANISATION_VALUES) - 1)
        [made] = writing.Writer().organisations_created(
            [("Fir\x00ma ApS", *blank, {"note": "a\x00b"}, False)], user.id)
        db.session.commit()
        firma = db.session.get(Organisation, made)
        assert (firma.name, firma.custom) == ("Firma ApS", {"note": "ab"})


def test_rows_are_checked_only_by_the_rules_of_the_fields_a_file_gives():
    from app.services.contacts import contacts

    names = {check.__name__ for check in contacts.row_checks({"first_name", "mobile"})}
    assert names == {"_require_names", "_check_mobile", "_check_email_syntax"}
    everything = contacts.row_checks({"phone", "mobile", "national_id", "website",
                                      "preferred_language"})
    assert everything == contacts.ROW_CHECKS


# --- several batches -------------------------------------------------------------------

def _counts(tenant_id: int) -> tuple[int, ...]:
    return tuple(len(records(model, tenant_id))
                 for model in (Contact, Organisation, Employment, AuditEntry))


def test_batches_write_ids_employments_and_history_that_belong_together(tenant_a, tmp_path,
                                                                         monkeypatch):
    monkeypatch.setattr(runner, "BATCH", 10)
    assert run_file(tenant_a.id, write(tmp_path, _rows(45))).created == 45
    people = contacts_of(tenant_a.id)
    firms = {o.id: o.name for o in records(Organisation, tenant_a.id)}
    with tenant_context(tenant_a.id):
        employed = dict(db.session.execute(select(Employment.contact_id,
                                                  Employment.organisation_id)).all())
        history = dict(db.session.execute(
            select(AuditEntry.record_id, AuditEntry.changes)
            .where(AuditEntry.entity == "contact")).all())
    assert len(people) == len(employed) == len(history) == 45
    for person in people:
        n = int(person.last_name.split()[1])
        assert firms[employed[person.id]] == firms[person.organisation_id] == f"Firma {n % 7}"
        assert history[person.id]["last_name"] == [None, person.last_name]


def test_a_refusal_by_the_database_in_a_late_batch_leaves_nothing(tenant_a, tmp_path,
                                                                    monkeypatch):
    """The fourth batch holds a contact without a first name, which the database
    refuses: the import fails as a conflict and everything is rolled back, the earlier
    batches and the organisations they made too."""
    from app.services.imports import writing
    from app.transactions import commit_or_refuse

    monkeypatch.setattr(runner, "BATCH", 10)
    real = writing.Writer.contacts_created
    batches = []

    def contacts_created(writer, rows, employments, user_id):
        batches.append(len(rows))
        if len(batches) == 4:
            rows = [(rows[0][0], None, *rows[0][2:]), *rows[1:]]  # first_name
        return real(writer, rows, employments, user_id)

    monkeypatch.setattr(writing.Writer, "contacts_created", contacts_created)
    before = _counts(tenant_a.id)
    path = write(tmp_path, _rows(45))
    with tenant_context(tenant_a.id):
        user = db.session.scalar(select(User).where(User.role == "admin"))
        source = reading.open_source(path)
        plan = runner.ImportPlan(mapping.CONTACTS, source,
                                 mapping.guess(mapping.CONTACTS, source.headers),
                                 mode=runner.MODE_ALL)
        outcome = commit_or_refuse(lambda: runner.run_import(plan, user))
    assert outcome.refusal is not None and len(batches) == 4
    assert _counts(tenant_a.id) == before


def test_a_refusal_met_by_a_batch_is_raised_as_sqlalchemy_raises_it(tenant_a):
    """PostgreSQL's COPY passes by SQLAlchemy: a constraint it meets is still the
    IntegrityError SQLite's statement raises, which commit_or_refuse refuses."""
    from sqlalchemy.exc import IntegrityError

    from app.services.imports import writing

    blank = (None,) * (len(writing.ORGANISATION_VALUES) - 1)
    with tenant_context(tenant_a.id):
        user = db.session.scalar(select(User).where(User.role == "admin"))
        with pytest.raises(IntegrityError):
            writing.Writer().organisations_created([(None, *blank, {}, False)], user.id)
        db.session.rollback()
        assert db.session.scalar(select(func.count(Organisation.id))) is not None
