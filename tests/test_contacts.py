"""Contacts and organisations: CRUD, rules, settings, search, export, history."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Contact, Employment, Organisation
from app.services.contacts import organisations as organisation_service
from app.tenancy import tenant_context
from tests.conftest import filter_arg, login, records, translated, warm_statements
from tests.factories import contact_form, gen_organisation, set_settings


def test_create_company_contact(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    response = admin_client.post("/admin/contact/new/", data=contact_form(org))
    html = response.get_data(as_text=True)
    assert response.status_code == 302, re.findall(r"(?:alert|feedback)[^>]*>([^<]+)", html)
    [contact] = records(Contact, tenant_a.id)
    assert contact.phone == "+4520123456"
    with tenant_context(tenant_a.id):
        contact = db.session.get(Contact, contact.id)
        assert contact.primary_organisation.name == "Nordlys ApS"
        assert contact.responsible_user.email == "admin@alpha.example"


def test_private_customer_button_puts_contact_in_private_customers(admin_client, tenant_a):
    response = admin_client.post("/admin/contact/new/",
                                 data={**contact_form(), "_save_private": "Gem"})
    assert response.status_code == 302
    [contact] = records(Contact, tenant_a.id)
    with tenant_context(tenant_a.id):
        contact = db.session.get(Contact, contact.id)
        assert contact.kind == "private"
        assert contact.primary_organisation.is_private_customers
        private_orgs = db.session.scalar(
            select(func.count()).where(Organisation.is_private_customers.is_(True)))
    assert private_orgs == 1


def test_company_contact_needs_a_current_employment(admin_client, tenant_a):
    response = admin_client.post("/admin/contact/new/", data=contact_form())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="Hansen"' in html  # what was typed is kept
    assert "En virksomhedskontakt skal have mindst én aktuel ansættelse." in html
    assert records(Contact, tenant_a.id) == []


def test_required_fields_and_translated_errors(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    response = admin_client.post("/admin/contact/new/",
                                 data=contact_form(org, email="", first_name="Jens"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Dette felt er påkrævet." in html
    assert 'value="Jens"' in html


def test_email_unique_per_tenant_whatever_the_case(admin_client, tenant_a, tenant_b):
    org = gen_organisation(tenant_a.id)
    assert admin_client.post("/admin/contact/new/", data=contact_form(org)).status_code == 302
    response = admin_client.post("/admin/contact/new/", data=contact_form(
        org, first_name="Other", email="JENS@Nordlys.example", phone="", _confirm_duplicate="1"))
    assert response.status_code == 200
    assert "e-mail" in response.get_data(as_text=True).lower()
    assert len(records(Contact, tenant_a.id)) == 1
    # the same address in another tenant is fine
    other_org = gen_organisation(tenant_b.id, "Polskie Sp. z o.o.")
    login(admin_client, "admin@beta.example")
    assert admin_client.post("/admin/contact/new/",
                             data=contact_form(other_org)).status_code == 302


def test_database_enforces_unique_email_case_insensitively(tenant_a):
    import pytest
    from sqlalchemy.exc import IntegrityError

    org = gen_organisation(tenant_a.id)
    with tenant_context(tenant_a.id):
        for email in ("a@x.example", "A@X.example"):
            db.session.add(Contact(first_name="A", last_name="B", email=email,
                                   employments=[Employment(organisation_id=org)]))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_invalid_identifiers_are_refused_with_the_rest_kept(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    for bad in ({"national_id_country": "DK", "national_id": "3213901234"},
                {"national_id_country": "PL", "national_id": "44051401358"},
                {"phone": "123"}):
        response = admin_client.post("/admin/contact/new/", data=contact_form(org, **bad))
        assert response.status_code == 200, bad
        assert 'value="Jens"' in response.get_data(as_text=True)
    response = admin_client.post("/admin/organisation/new/", data={
        "name": "Fejl A/S", "registration_country": "PL", "registration_number": "1234567890"})
    assert response.status_code == 200
    assert 'value="Fejl A/S"' in response.get_data(as_text=True)
    assert records(Contact, tenant_a.id) == []


def test_valid_national_id_is_stored_and_masked_in_lists(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    response = admin_client.post("/admin/contact/new/", data=contact_form(
        org, national_id_country="PL", national_id="44051401359"))
    assert response.status_code == 302
    [contact] = records(Contact, tenant_a.id)
    assert contact.national_id == "44051401359"
    details = admin_client.get(f"/admin/contact/details/?id={contact.id}").get_data(
        as_text=True)
    assert "44051401359" not in details
    with tenant_context(tenant_a.id):
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "contact"))
        assert "44051401359" not in str(entry.changes)


def test_private_customers_organisation_cannot_be_deleted(admin_client, tenant_a):
    with tenant_context(tenant_a.id):
        organisation = organisation_service.private_customers()
        db.session.commit()
        org_id = organisation.id
    admin_client.post("/admin/organisation/delete/", data={"id": org_id})
    with tenant_context(tenant_a.id):
        assert db.session.get(Organisation, org_id) is not None


def test_customer_term_everywhere(admin_client, tenant_a):
    admin_client.post("/admin/settings/", data={
        "contact_term": "customer", "default_language": "da", "users_edit_contacts": "y",
        "users_edit_organisations": "y", "email_required": "y"})
    org = gen_organisation(tenant_a.id)
    expected = {"da": ("Kunder", "Ny kunde", "Kunde"), "sv": ("Kunder", "Ny kund", "Kund"),
                "pl": ("Klienci", "Nowy klient", "Klient"),
                "en": ("Customers", "New customer", "Customer")}
    for index, (language, (plural, new, singular)) in enumerate(expected.items()):
        admin_client.get(f"/language/{language}")
        menu = admin_client.get("/admin/").get_data(as_text=True)
        assert re.search(rf">\s*{plural}\s*<", menu), language
        listing = admin_client.get("/admin/contact/").get_data(as_text=True)
        assert plural in listing
        assert new in admin_client.get("/admin/contact/new/").get_data(as_text=True)
        form = contact_form(org, email=f"p{index}@x.example", first_name=f"P{index}", phone="")
        response = admin_client.post("/admin/contact/new/", follow_redirects=True, data=form)
        assert f"{singular} P{index} Hansen" in response.get_data(as_text=True), language


def test_edit_rights_enforced_on_the_server(user_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    set_settings(tenant_a.id, users_edit_contacts=False)
    response = user_client.post("/admin/contact/new/", data=contact_form(org))
    assert (response.status_code, response.headers["Location"]) == (302, "/admin/contact/")
    assert records(Contact, tenant_a.id) == []
    # organisations are still allowed for users
    response = user_client.post("/admin/organisation/new/", data={"name": "Tilladt ApS"})
    assert response.status_code == 302


def test_unique_customer_numbers(admin_client, tenant_a):
    set_settings(tenant_a.id, unique_contact_id=True)
    org = gen_organisation(tenant_a.id)
    for index in range(3):
        admin_client.post("/admin/contact/new/", follow_redirects=True, data=contact_form(
            org, email=f"n{index}@x.example", first_name=f"N{index}", phone=""))
    numbers = [c.customer_number for c in records(Contact, tenant_a.id)]
    assert numbers == [1, 2, 3]
    listing = admin_client.get("/admin/contact/?search=2").get_data(as_text=True)
    # the page's words (its text, not its attributes: a random token once held "N0")
    shown = set(re.findall(r"\w+", " ".join(re.findall(r">([^<]*)<", listing))))
    assert "N1" in shown and "N0" not in shown


def test_search_by_part_of_name_and_by_phone(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    admin_client.post("/admin/contact/new/", data=contact_form(org))
    admin_client.post("/admin/contact/new/", data=contact_form(
        org, first_name="Anna", last_name="Sørensen", email="anna@x.example",
        phone="+45 31 31 31 31"))
    assert "Sørensen" in admin_client.get("/admin/contact/?search=søre").get_data(as_text=True)
    found = admin_client.get("/admin/contact/?search=20 12 34").get_data(as_text=True)
    assert "Hansen" in found and "Sørensen" not in found


def test_likely_duplicate_warning_before_first_save(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    admin_client.post("/admin/contact/new/", data=contact_form(org))
    second = contact_form(org, email="other@x.example")
    response = admin_client.post("/admin/contact/new/", data=second)
    assert response.status_code == 200
    assert 'id="likely-duplicates"' in response.get_data(as_text=True)
    response = admin_client.post("/admin/contact/new/", data={**second, "_confirm_duplicate": "1"})
    assert response.status_code == 302
    assert len(records(Contact, tenant_a.id)) == 2


def test_history_records_changes_once(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    admin_client.post("/admin/contact/new/", data=contact_form(org))
    [contact] = records(Contact, tenant_a.id)
    with tenant_context(tenant_a.id):
        employment_id = db.session.get(Contact, contact.id).employments[0].id
    response = admin_client.post(f"/admin/contact/edit/?id={contact.id}", data=contact_form(
        org, job_title="Direktør", **{"employments-0-id": str(employment_id)}))
    assert response.status_code == 302
    with tenant_context(tenant_a.id):
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "contact").order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].changes["job_title"] == [None, "Direktør"]
    page = admin_client.get("/admin/audit/").get_data(as_text=True)
    assert "Direktør" in page


def test_cross_tenant_urls_give_nothing(app, admin_client, tenant_a, tenant_b):
    foreign_org = gen_organisation(tenant_b.id, "Hemmelig Sp. z o.o.")
    with tenant_context(tenant_b.id):
        contact = Contact(first_name="Tajny", last_name="Kowalski", email="t@k.example",
                          employments=[Employment(organisation_id=foreign_org)])
        db.session.add(contact)
        db.session.commit()
        contact_id = contact.id
    urls = [f"/admin/contact/details/?id={contact_id}", f"/admin/contact/edit/?id={contact_id}",
            f"/admin/organisation/details/?id={foreign_org}",
            f"/admin/organisation/edit/?id={foreign_org}",
            "/admin/contact/", "/admin/organisation/", "/admin/audit/",
            "/admin/contact/export/csv/", "/admin/organisation/export/csv/",
            f"/admin/contact/?{filter_arg(app, 'contact', 'Organisation', 'equals')}="
            f"{foreign_org}"]
    for url in urls:
        body = admin_client.get(url, follow_redirects=True).get_data(as_text=True)
        assert "Kowalski" not in body and "Hemmelig" not in body, url
    admin_client.post("/admin/contact/delete/", data={"id": contact_id})
    admin_client.post(f"/admin/contact/edit/?id={contact_id}", data=contact_form(foreign_org))
    with tenant_context(tenant_b.id):
        assert db.session.get(Contact, contact_id).last_name == "Kowalski"
    assert records(Contact, tenant_a.id) == []


def test_export_csv_of_what_the_list_shows(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    admin_client.post("/admin/contact/new/", data=contact_form(org))
    csv_body = admin_client.get("/admin/contact/export/csv/").get_data(as_text=True)
    assert "Hansen" in csv_body and "Jens" in csv_body
    xlsx = admin_client.get("/admin/contact/export/xlsx/")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_list_query_count_is_fixed(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    counts = []
    for batch in range(2):
        with tenant_context(tenant_a.id):
            for index in range(5 + 10 * batch):
                db.session.add(Contact(
                    first_name="Q", last_name=f"L{batch}-{index}", email=f"{batch}-{index}@q.dk",
                    employments=[Employment(organisation_id=org)]))
            db.session.commit()
        response, statements = warm_statements(admin_client, "/admin/contact/?page_size=50")
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_history_filters_by_entity_user_and_date_range(app, admin_client, tenant_a):
    from datetime import datetime

    org = gen_organisation(tenant_a.id, "Gammel ApS")
    admin_client.post("/admin/contact/new/", data=contact_form(org))
    with tenant_context(tenant_a.id):
        old = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "organisation"))
        old.created_at = datetime(2020, 5, 1, 12, 0)
        db.session.commit()
    # the organisation's own entry (the contact's employment names it too)
    gammel = translated("the organisation '%(name)s'", name="Gammel ApS")
    between = filter_arg(app, "audit", "created_at", "between")
    page = admin_client.get(
        f"/admin/audit/?{between}=2026-01-01+00:00:00+to+2099-12-31+23:59:59")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Hansen" in html and gammel not in html
    page = admin_client.get(
        f"/admin/audit/?{between}=2020-04-01+00:00:00+to+2020-06-01+00:00:00")
    html = page.get_data(as_text=True)
    assert gammel in html and "Hansen" not in html
    entity = filter_arg(app, "audit", "entity", "equals")
    html = admin_client.get(f"/admin/audit/?{entity}=organisation").get_data(as_text=True)
    assert "Gammel ApS" in html and "Hansen" not in html


def test_malformed_or_huge_ids_name_no_record(admin_client, tenant_a):
    # a screen goes back to its list ("record does not exist"); a file is not found
    for url, answer in (("/admin/contact/details/?id=99999999999", "/admin/contact/"),
                        ("/admin/contact/edit/?id=-1", "/admin/contact/"),
                        ("/admin/organisation/details/?id=abc", "/admin/organisation/"),
                        ("/admin/tag/edit/?id=99999999999", "/admin/tag/"),
                        ("/admin/audit/details/?id=99999999999", "/admin/audit/"),
                        ("/admin/user/edit/?id=99999999999", "/admin/user/"),
                        ("/admin/contact/photo/99999999999/", 404)):
        response = admin_client.get(url)
        if answer == 404:
            assert response.status_code == 404, url
        else:
            assert (response.status_code, response.headers["Location"]) == (302, answer), url


def test_search_folds_case_of_every_letter(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    admin_client.post("/admin/contact/new/", data=contact_form(
        org, first_name="Åse", last_name="Østergaard", email="aase@x.dk"))
    for search in ("øster", "ØSTERGAARD", "åse"):
        page = admin_client.get(f"/admin/contact/?search={search}").get_data(as_text=True)
        assert "Østergaard" in page[page.index("<body"):].split("model-list", 1)[-1], search


def test_filters_by_user_work_on_both_databases(app, admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    admin_client.post("/admin/contact/new/", data=contact_form(org))
    [contact] = records(Contact, tenant_a.id)
    user_id = contact.responsible_user_id
    for endpoint, column in (("contact", "responsible_user_id"),
                             ("organisation", "responsible_user_id"), ("audit", "user_id")):
        index = filter_arg(app, endpoint, column, "equals")
        response = admin_client.get(f"/admin/{endpoint}/?{index}={user_id}")
        assert response.status_code == 200, endpoint
    index = filter_arg(app, "contact", "responsible_user_id", "equals")
    page = admin_client.get(f"/admin/contact/?{index}={user_id}").get_data(as_text=True)
    assert "Hansen" in page[page.index("model-list"):]


def test_contacts_whose_job_ended_are_shown_at_their_current_employer(app, tenant_a):
    """The organisation column is kept on saving; the daily resync moves contacts whose
    job has since ended (here: seen from a day after the end date)."""
    from datetime import date, timedelta

    from app.services.contacts import contacts as contact_service

    leaving = gen_organisation(tenant_a.id, "Gammel Arbejdsplads ApS")
    staying = gen_organisation(tenant_a.id, "Ny Arbejdsplads ApS")
    ends = date.today() + timedelta(days=5)
    with tenant_context(tenant_a.id):
        contact = Contact(first_name="Lise", last_name="Skifter", employments=[
            Employment(organisation_id=leaving, is_primary=True, end_date=ends,
                       start_date=date(2020, 1, 1)),
            Employment(organisation_id=staying, start_date=date(2024, 1, 1))])
        contact_service.sync_primary_organisation(contact)
        db.session.add(contact)
        db.session.commit()
        contact_id = contact.id
        assert contact.organisation_id == leaving
        assert contact_service.resync_organisations(today=date.today()) == 0
        assert contact_service.resync_organisations(today=ends + timedelta(days=1)) == 1
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Contact, contact_id).organisation_id == staying
    result = app.test_cli_runner().invoke(args=["crm", "sync-organisations"])
    assert result.exit_code == 0 and "0 contact(s) updated." in result.output
