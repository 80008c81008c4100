"""Letters (E9): the tenant's letterhead, a letter written to a contact as an activity,
and its printable PDF, whose text is read back with pypdf."""

from __future__ import annotations

import html
import io
import os
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pypdf
from babel.dates import format_date
from sqlalchemy import select

from app.extensions import db
from app.models import Activity, Contact, User
from app.models.activity import LETTER, NOTE
from app.tenancy import all_tenants, tenant_context
from tests.conftest import login, records, translated
from tests.factories import contact_form, gen_organisation, picture

SPECIAL = "æøå ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ äö"
BODY = f"Kære Jens\r\n\r\n{SPECIAL}\r\nLinje to"


def company_contact(client, tenant_id: int) -> int:
    org = gen_organisation(tenant_id, street="Havnegade 1", postcode="1058",
                            city="København K", country="DK")
    client.post("/admin/contact/new/", data=contact_form(org, street="Privatvej 9"))
    return records(Contact, tenant_id)[-1].id


def write(client, contact_id: int, subject: str = "Tilbud på æøå", body: str = BODY):
    return client.post(f"/admin/letter/new/?contact_id={contact_id}",
                       data={"subject": subject, "body": body})


def letter_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/admin/letter/(\d+)/$", response.headers["Location"]).group(1))


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert reader.pages[0].mediabox.width == 595.28  # A4, in points
    return "\n".join(page.extract_text() for page in reader.pages)


def set_letterhead(client, **values):
    data = {"sender_name": "Alfa Salg ApS", "sender_address": "Strandvejen 7\n2900 Hellerup",
            "footer": "CVR 12345678 · Bank 1234-567890", **values}
    return client.post("/admin/letterhead/", data=data, content_type="multipart/form-data")


def today_in(language: str) -> str:
    return format_date(datetime.now(ZoneInfo("Europe/Copenhagen")).date(), "long",
                       locale=language)


def test_letter_to_company_contact_prints_letterhead_recipient_and_text(
        admin_client, tenant_a):
    assert set_letterhead(admin_client, logo_upload=(picture(), "logo.png")).status_code == 302
    contact_id = company_contact(admin_client, tenant_a.id)
    form = admin_client.get(f"/admin/letter/new/?contact_id={contact_id}")
    assert "Havnegade 1" in form.get_data(as_text=True)
    number = letter_id(write(admin_client, contact_id))
    page = admin_client.get(f"/admin/letter/{number}/").get_data(as_text=True)
    assert "Tilbud på æøå" in page and f"/admin/letter/{number}/pdf" in page

    response = admin_client.get(f"/admin/letter/{number}/pdf")
    text = pdf_text(response)
    for expected in ("Alfa Salg ApS", "Strandvejen 7", "2900 Hellerup", "CVR 12345678",
                     "Nordlys ApS", "Jens Hansen", "Havnegade 1", "1058 København K",
                     "Tilbud på æøå", today_in("da"), "Admin alpha"):
        assert expected in text, expected
    assert "Danmark" not in text  # a domestic letter names no country
    assert f"{SPECIAL}\nLinje to" in text  # the writer's line breaks are kept
    assert "Privatvej 9" not in text  # a company contact gets the company's address
    assert len(pypdf.PdfReader(io.BytesIO(response.data)).pages[0].images) == 1  # the logo

    with tenant_context(tenant_a.id):
        letter = db.session.get(Activity, number)
        assert letter.kind == LETTER and not letter.planned and not letter.completed
        assert letter.organisation.name == "Nordlys ApS"
        assert [c.id for c in letter.contacts] == [contact_id]
        assert letter.employee.email == "admin@alpha.example"
        assert letter.body == f"Kære Jens\n\n{SPECIAL}\nLinje to"


def test_letter_to_private_contact_uses_own_address_and_tenant_language(
        client, tenant_b):
    login(client, "admin@beta.example")
    with all_tenants():  # the writer reads English; the letter is in the tenant's Polish
        user = db.session.scalar(select(User).where(User.email == "admin@beta.example"))
        user.language = "en"
        db.session.commit()
    client.post("/admin/contact/new/", data={
        **contact_form(first_name="Łucja", last_name="Źródło", email="l@z.pl",
                       phone="", street="Żółta 5", postcode="00-950", city="Łódź",
                       country="PL"), "_save_private": "1"})
    [contact] = records(Contact, tenant_b.id)
    text = pdf_text(client.get(f"/admin/letter/{letter_id(write(client, contact.id))}/pdf"))
    for expected in ("Łucja Źródło", "Żółta 5", "00-950 Łódź", today_in("pl"),
                     "Beta ApS"):  # no letterhead yet: the tenant's name as sender
        assert expected in text, expected
    assert "Polska" not in text  # domestic: no country
    with tenant_context(tenant_b.id):
        letter = db.session.scalars(select(Activity)).one()
        assert letter.organisation.is_private_customers


def test_letter_for_another_tenants_contact_is_not_found(admin_client, tenant_a, tenant_b):
    org_b = gen_organisation(tenant_b.id, "Obca Sp. z o.o.")
    login(admin_client, "admin@beta.example")
    admin_client.post("/admin/contact/new/", data=contact_form(org_b, email="o@b.pl"))
    [foreign] = records(Contact, tenant_b.id)
    login(admin_client, "admin@alpha.example")
    assert admin_client.get(f"/admin/letter/new/?contact_id={foreign.id}").status_code == 404
    assert write(admin_client, foreign.id).status_code == 404
    for junk in ("", "x", "99999999999"):
        assert admin_client.get(f"/admin/letter/new/?contact_id={junk}").status_code == 404
    with all_tenants():
        assert db.session.scalars(select(Activity)).all() == []


def test_pdf_of_another_tenants_letter_or_of_no_letter_is_not_found(
        client, tenant_a, tenant_b):
    login(client, "admin@beta.example")
    org_b = gen_organisation(tenant_b.id, "Obca Sp. z o.o.")
    client.post("/admin/contact/new/", data=contact_form(org_b, email="o@b.pl"))
    foreign = letter_id(write(client, records(Contact, tenant_b.id)[0].id))
    assert client.get(f"/admin/letter/{foreign}/pdf").status_code == 200
    login(client, "user@alpha.example")  # any member may write and print letters
    assert client.get(f"/admin/letter/{foreign}/pdf").status_code == 404
    assert client.get(f"/admin/letter/{foreign}/").status_code == 404
    org_a = gen_organisation(tenant_a.id)
    with tenant_context(tenant_a.id):
        note = Activity(kind=NOTE, subject="Not a letter", organisation_id=org_a)
        db.session.add(note)
        db.session.commit()
        note_id = note.id
    assert client.get(f"/admin/letter/{note_id}/pdf").status_code == 404
    assert client.get("/admin/letter/99999999999/pdf").status_code == 404


def test_letter_to_someone_without_a_current_employer_is_refused_with_the_reason(
        admin_client, tenant_a):
    contact_id = company_contact(admin_client, tenant_a.id)
    with tenant_context(tenant_a.id):
        contact = db.session.get(Contact, contact_id)
        for employment in contact.employments:
            employment.end_date = date(2020, 1, 1)
        contact.organisation_id = None
        db.session.commit()
        name = contact.full_name
    page = write(admin_client, contact_id).get_data(as_text=True)
    assert html.unescape(translated(
        "%(name)s works at no organisation now; add an employment first.", name=name)) in \
        html.unescape(page)
    with tenant_context(tenant_a.id):
        assert db.session.scalar(select(Activity)) is None


def test_subject_is_required(admin_client, tenant_a):
    contact_id = company_contact(admin_client, tenant_a.id)
    response = write(admin_client, contact_id, subject="  ")
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    with tenant_context(tenant_a.id):
        assert db.session.scalars(select(Activity)).all() == []


def test_logo_upload_refuses_what_is_not_a_picture(admin_client, tenant_a, app):
    fake = io.BytesIO(b"%PDF-1.4 not a picture")
    response = set_letterhead(admin_client, sender_name="Ny", logo_upload=(fake, "logo.png"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Upload et JPEG-, PNG-, GIF- eller WebP-billede." in html
    page = admin_client.get("/admin/letterhead/").get_data(as_text=True)
    assert 'value="Ny"' not in page  # nothing was saved
    assert not os.path.exists(f"{app.config['UPLOAD_FOLDER']}/tenant-{tenant_a.id}/letterhead")


def test_logo_is_replaced_and_removed_with_its_file(admin_client, tenant_a, app):
    folder = f"{app.config['UPLOAD_FOLDER']}/tenant-{tenant_a.id}/letterhead"
    set_letterhead(admin_client, logo_upload=(picture(), "a.png"))
    [first] = os.listdir(folder)
    set_letterhead(admin_client, logo_upload=(picture("JPEG"), "b.jpg"))
    [second] = os.listdir(folder)
    assert second != first and second.endswith(".png")
    page = admin_client.get("/admin/letterhead/").get_data(as_text=True)
    [logo_url] = re.findall(r'id="letterhead-logo" src="([^"]+)"', page)
    assert admin_client.get(logo_url.replace("&amp;", "&")).mimetype == "image/png"
    set_letterhead(admin_client, remove_logo="y")
    assert os.listdir(folder) == []
    assert admin_client.get("/admin/letterhead/logo").status_code == 404


def test_letterhead_is_for_administrators_and_has_a_sample(client, tenant_a):
    login(client, "user@alpha.example")
    assert client.get("/admin/letterhead/").status_code == 403
    assert set_letterhead(client).status_code == 403
    login(client, "admin@alpha.example")
    set_letterhead(client)
    text = pdf_text(client.get("/admin/letterhead/sample.pdf"))
    assert "Alfa Salg ApS" in text and "Strandvejen 7" in text
