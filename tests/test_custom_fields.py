"""Configurable fields on the contact and organisation screens: forms per type, list
columns, sorting, filters, search, details, export, history, tenant separation."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Contact, FieldDefinition, FieldSection
from app.services.errors import ServiceError
from app.services.fields import admin
from app.services.fields.admin import ChoiceInput, FieldInput
from app.tenancy import tenant_context
from tests.conftest import count_queries, filter_arg, login, records
from tests.factories import (
    FIELDS,
    contact_form,
    field_choices,
    field_labels,
    gen_fields,
    gen_organisation,
)


def contact_with(org: int, email: str, **custom) -> dict:
    return contact_form(org, email=email, phone="", first_name=email.split("@")[0],
                        _confirm_duplicate="1", **custom)


def list_rows(client, query: str = "") -> str:
    html = client.get(f"/admin/contact/{query}").get_data(as_text=True)
    return html[html.index("model-list"):]


def test_keys_come_from_the_labels(tenant_a):
    names = gen_fields(tenant_a.id)
    assert names["note"] == "cf_note" and names["met_on"] == "cf_met_on"
    with tenant_context(tenant_a.id):
        section = db.session.scalar(select(FieldSection))
        again = admin.create_field(section, FieldInput(labels={"da": "Note"},
                                                       field_type="text"))
        danish = admin.create_field(section, FieldInput(labels={"da": "Særlig Ønskeliste"},
                                                        field_type="text"))
        assert (again.key, danish.key) == ("note_2", "saerlig_oenskeliste")


def test_every_type_accepts_valid_input_and_stores_it_typed(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    names = gen_fields(tenant_a.id)
    response = admin_client.post("/admin/contact/new/", data=contact_form(org, **{
        names["note"]: "Ringer om fredagen", names["story"]: "Lang\nhistorie",
        names["visits"]: "12", names["budget"]: "1234.5", names["met_on"]: "2026-03-01",
        names["vip"]: "1", names["level"]: "gold", names["topics"]: ["price", "quality"],
        names["private_mail"]: "Jens@Privat.example", names["homepage"]: "jens.example",
        names["hotline"]: "70 10 20 30"}))
    assert response.status_code == 302, re.findall(r"invalid-feedback[^>]*>([^<]+)",
                                                   response.get_data(as_text=True))
    [contact] = records(Contact, tenant_a.id)
    assert contact.custom == {
        "note": "Ringer om fredagen", "story": "Lang\nhistorie", "visits": 12,
        "budget": 1234.5, "met_on": "2026-03-01", "vip": True, "level": "gold",
        "topics": ["price", "quality"], "private_mail": "Jens@privat.example",
        "homepage": "https://jens.example", "hotline": "+4570102030"}


@pytest.mark.parametrize("name, bad", [
    ("visits", "many"), ("visits", "1001"), ("visits", "-1"), ("visits", "2.5"),
    ("budget", "lots"), ("met_on", "31-02-2026"), ("level", "bronze"),
    ("topics", ["price", "nope"]), ("private_mail", "not-an-address"),
    ("homepage", "javascript:alert(1)"), ("hotline", "123"), ("vip", "maybe"),
])
def test_every_type_refuses_invalid_input_next_to_the_field(admin_client, tenant_a, name, bad):
    org = gen_organisation(tenant_a.id)
    names = gen_fields(tenant_a.id)
    response = admin_client.post("/admin/contact/new/", data=contact_form(org, **{
        names[name]: bad, names["note"]: "Husk mig"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Husk mig"' in html and 'value="Hansen"' in html  # nothing typed is lost
    [tag] = re.findall(r'<(?:input|select|textarea)[^>]*id="' + names[name] + r'"[^>]*>', html)
    assert "is-invalid" in tag
    assert records(Contact, tenant_a.id) == []


def test_required_field_must_be_filled(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    required = FieldInput(labels=field_labels("Source", "Kilde"), field_type="choice",
                          required=True, choices=field_choices("Fair", "Web"))
    names = gen_fields(tenant_a.id, source=required)
    response = admin_client.post("/admin/contact/new/", data=contact_form(org))
    assert response.status_code == 200
    assert "Dette felt er påkrævet." in response.get_data(as_text=True)
    response = admin_client.post("/admin/contact/new/",
                                 data=contact_form(org, **{names["source"]: "web"}))
    assert response.status_code == 302


def test_default_value_prefills_the_create_form(admin_client, tenant_a):
    default = FieldInput(labels=field_labels("Segment"), field_type="choice", default_value="Small",
                         choices=field_choices("Small", "Large"))
    gen_fields(tenant_a.id, segment=default)
    page = admin_client.get("/admin/contact/new/").get_data(as_text=True)
    assert re.search(r'<option selected value="small">|<option value="small" selected', page)


def test_sections_and_labels_follow_the_language(admin_client, tenant_a, tenant_b, client):
    gen_fields(tenant_a.id, note=FIELDS["note"])
    page = admin_client.get("/admin/contact/new/").get_data(as_text=True)
    assert "Opmærksomhedspunkter" in page and "Bemærkning" in page
    admin_client.get("/language/pl")
    page = admin_client.get("/admin/contact/new/").get_data(as_text=True)
    assert "Uwagi" in page and "Note (pl)" in page and "Bemærkning" not in page


def test_fields_of_one_tenant_never_reach_another(admin_client, tenant_a, tenant_b, client):
    org = gen_organisation(tenant_a.id)
    names = gen_fields(tenant_a.id)
    admin_client.post("/admin/contact/new/", data=contact_form(org, **{names["note"]: "Hemmelig"}))
    login(client, "admin@beta.example")
    for url in ("/admin/contact/new/", "/admin/contact/", "/admin/contact/export/csv/",
                "/admin/organisation/new/"):
        body = client.get(url).get_data(as_text=True)
        assert "Uwagi" not in body and "Note (pl)" not in body and "Hemmelig" not in body, url
    # a form post naming tenant A's field stores nothing for tenant B
    org_b = gen_organisation(tenant_b.id, "Beta Sp. z o.o.")
    client.post("/admin/contact/new/", data=contact_form(org_b, **{names["note"]: "X"}))
    [contact_b] = records(Contact, tenant_b.id)
    assert contact_b.custom == {}
    with tenant_context(tenant_b.id):
        assert db.session.scalars(select(FieldDefinition)).all() == []


def add_contacts(client, org: int, names: dict, rows: list[dict]) -> None:
    for index, values in enumerate(rows):
        response = client.post("/admin/contact/new/", data=contact_with(
            org, f"p{index}@x.dk", last_name=f"Person{index}",
            **{names[key]: value for key, value in values.items()}))
        assert response.status_code == 302


def people_in(rows: str) -> list[str]:
    """The people of the list's rows in order (a row names its person twice: in its
    cell and in its checkbox's label)."""
    return list(dict.fromkeys(re.findall(r"Person\d", rows)))


def test_list_shows_sorts_and_filters_by_custom_fields(app, admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    names = gen_fields(tenant_a.id)
    add_contacts(admin_client, org, names, [
        {"visits": "5", "met_on": "2026-01-10", "level": "gold", "note": "Kaffe",
         "topics": ["price"], "vip": "1", "budget": "10.5"},
        {"visits": "30", "met_on": "2026-06-01", "level": "silver", "note": "Te",
         "topics": ["price", "delivery"], "vip": "0", "budget": "2"},
        {"visits": "200", "met_on": "2025-12-24", "level": "gold", "note": "Kakao",
         "topics": ["quality"], "budget": "300"},
        {},
    ])
    rows = list_rows(admin_client)
    assert "Besøg" in admin_client.get("/admin/contact/").get_data(as_text=True)
    assert "Kaffe" in rows and "Sølv" not in rows  # labels shown, not keys: "Silver (da)"
    assert "Silver (da)" in rows

    def order(query: str) -> list[str]:
        return people_in(list_rows(admin_client, query))

    sort = sort_index(admin_client, "Besøg")
    assert order(f"?sort={sort}")[:3] == ["Person0", "Person1", "Person2"]  # 5 < 30 < 200
    assert order(f"?sort={sort}&desc=1")[:3] == ["Person2", "Person1", "Person0"]

    def by(key: str, op: str, position: int = 0) -> str:
        return filter_arg(app, "contact", key, op, tenant_id=tenant_a.id, position=position)

    visits = f"{by('visits', 'at least')}=10&{by('visits', 'at most', 1)}=250"
    assert sorted(order(f"?{visits}")) == ["Person1", "Person2"]
    assert order(f"?{by('met_on', 'between')}=2026-01-01+to+2026-12-31") == [
        "Person0", "Person1"]
    assert order(f"?{by('level', 'equals')}=gold") == ["Person0", "Person2"]
    assert order(f"?{by('topics', 'equals')}=price") == ["Person0", "Person1"]
    assert order(f"?{by('note', 'contains')}=ka") == ["Person0", "Person2"]
    assert order(f"?{by('vip', 'equals')}=1") == ["Person0"]
    assert order(f"?{by('vip', 'equals')}=0") == ["Person1"]
    assert order("?search=kakao") == ["Person2"]  # searchable field joins the search


def sort_index(client, label: str) -> str:
    html = client.get("/admin/contact/").get_data(as_text=True)
    [index] = re.findall(r'\?sort=(\d+)[^"]*" title="[^"]*">' + re.escape(label), html)
    return index


def test_details_edit_and_history(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    names = gen_fields(tenant_a.id)
    admin_client.post("/admin/contact/new/", data=contact_form(org, **{
        names["visits"]: "7", names["met_on"]: "2026-02-03", names["level"]: "gold"}))
    [contact] = records(Contact, tenant_a.id)
    details = admin_client.get(f"/admin/contact/details/?id={contact.id}").get_data(as_text=True)
    assert "Opmærksomhedspunkter" in details and "Gold (da)" in details
    edit = admin_client.get(f"/admin/contact/edit/?id={contact.id}").get_data(as_text=True)
    assert 'value="7"' in edit and 'value="03.02.2026"' in edit  # as Danish writes dates
    with tenant_context(tenant_a.id):
        employment_id = db.session.get(Contact, contact.id).employments[0].id
    response = admin_client.post(f"/admin/contact/edit/?id={contact.id}", data=contact_form(
        org, **{"employments-0-id": str(employment_id), names["visits"]: "8",
                names["met_on"]: "2026-02-03", names["level"]: "gold"}))
    assert response.status_code == 302
    with tenant_context(tenant_a.id):
        update = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "update",
                                                            AuditEntry.entity == "contact"))
    assert update.changes == {"custom.visits": [7, 8]}
    history = admin_client.get("/admin/audit/").get_data(as_text=True)
    assert "Besøg: 7 → 8" in history


def test_deactivated_field_keeps_its_values(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    names = gen_fields(tenant_a.id, note=FIELDS["note"], visits=FIELDS["visits"])
    admin_client.post("/admin/contact/new/", data=contact_form(org, **{
        names["note"]: "Beholdes", names["visits"]: "3"}))
    [contact] = records(Contact, tenant_a.id)
    with tenant_context(tenant_a.id):
        note = db.session.scalar(select(FieldDefinition).where(FieldDefinition.key == "note"))
        admin.set_active(note, False)
        db.session.commit()
        employment_id = db.session.get(Contact, contact.id).employments[0].id
    edit = admin_client.get(f"/admin/contact/edit/?id={contact.id}").get_data(as_text=True)
    assert "Beholdes" not in edit and names["note"] not in edit
    admin_client.post(f"/admin/contact/edit/?id={contact.id}", data=contact_form(
        org, **{"employments-0-id": str(employment_id), names["visits"]: "4"}))
    assert records(Contact, tenant_a.id)[0].custom == {"note": "Beholdes", "visits": 4}
    with tenant_context(tenant_a.id):
        admin.set_active(db.session.get(FieldDefinition, note.id), True)
        db.session.commit()
    details = admin_client.get(f"/admin/contact/details/?id={contact.id}").get_data(as_text=True)
    assert "Beholdes" in details


def test_inactive_choice_stays_on_the_record_that_holds_it(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    names = gen_fields(tenant_a.id, level=FIELDS["level"])
    admin_client.post("/admin/contact/new/", data=contact_form(org, **{names["level"]: "silver"}))
    [contact] = records(Contact, tenant_a.id)
    with tenant_context(tenant_a.id):
        level = db.session.scalar(select(FieldDefinition))
        kept = admin.save_choices(level, [ChoiceInput(labels=field_labels("Gold"), key="gold")])
        db.session.commit()
    assert kept == ["Silver"]
    edit = admin_client.get(f"/admin/contact/edit/?id={contact.id}").get_data(as_text=True)
    assert 'value="silver"' in edit
    new = admin_client.get("/admin/contact/new/").get_data(as_text=True)
    assert 'value="silver"' not in new and 'value="gold"' in new


def test_type_change_only_when_every_value_converts(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    names = gen_fields(tenant_a.id, note=FIELDS["note"])
    add_contacts(admin_client, org, names, [{"note": "12"}, {"note": "abc"}])
    with tenant_context(tenant_a.id):
        note = db.session.scalar(select(FieldDefinition))
        with pytest.raises(ServiceError) as refused:
            admin.change_type(note, "integer")
        assert "1" in str(refused.value)
        db.session.rollback()
    assert sorted(str(c.custom["note"]) for c in records(Contact, tenant_a.id)) == ["12", "abc"]
    with tenant_context(tenant_a.id):
        abc = next(c for c in records(Contact, tenant_a.id) if c.custom["note"] == "abc")
        db.session.get(Contact, abc.id).custom = {"note": "40"}
        db.session.commit()
        admin.change_type(db.session.scalar(select(FieldDefinition)), "integer")
        db.session.commit()
    assert sorted(c.custom["note"] for c in records(Contact, tenant_a.id)) == [12, 40]


def test_deleting_a_field_with_values_needs_confirmation(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    names = gen_fields(tenant_a.id, note=FIELDS["note"])
    add_contacts(admin_client, org, names, [{"note": "x"}, {}])
    with tenant_context(tenant_a.id):
        note = db.session.scalar(select(FieldDefinition))
        with pytest.raises(ServiceError):
            admin.delete_field(note, confirmed=False)
        assert admin.delete_field(note, confirmed=True) == 1
        db.session.commit()
        deleted = db.session.scalar(select(AuditEntry).where(
            AuditEntry.entity == "field_definition", AuditEntry.action == "delete"))
    assert deleted is not None
    assert all(c.custom == {} for c in records(Contact, tenant_a.id))


def test_export_includes_custom_fields(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    names = gen_fields(tenant_a.id, note=FIELDS["note"], met_on=FIELDS["met_on"])
    admin_client.post("/admin/contact/new/", data=contact_form(org, **{
        names["note"]: "Eksporteres", names["met_on"]: "2026-05-04"}))
    csv_body = admin_client.get("/admin/contact/export/csv/").get_data(as_text=True)
    header, row = csv_body.splitlines()[:2]
    assert "Bemærkning" in header and "Eksporteres" in row
    assert "Met on (da)" in header


def test_organisations_take_their_own_fields(admin_client, tenant_a):
    names = gen_fields(tenant_a.id, "organisation",
                          branch=FieldInput(labels=field_labels("Branch", "Afdeling"),
                                            field_type="text", show_in_list=True,
                                            searchable=True))
    page = admin_client.get("/admin/organisation/new/").get_data(as_text=True)
    assert "Afdeling" in page
    assert "Afdeling" not in admin_client.get("/admin/contact/new/").get_data(as_text=True)
    response = admin_client.post("/admin/organisation/new/", data={
        "name": "Filial A/S", names["branch"]: "Aarhus"})
    assert response.status_code == 302
    assert "Aarhus" in admin_client.get("/admin/organisation/").get_data(as_text=True)
    found = admin_client.get("/admin/organisation/?search=aarhus").get_data(as_text=True)
    assert "Filial A/S" in found[found.index("model-list"):]
    none = admin_client.get("/admin/organisation/?search=odense").get_data(as_text=True)
    assert "Filial A/S" not in none[none.index("model-list") if "model-list" in none else 0:]


def test_list_query_count_does_not_grow_with_custom_fields(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    names = gen_fields(tenant_a.id)
    counts = []
    for batch in (2, 8):
        add_contacts(admin_client, org, names, [
            {"level": "gold", "topics": ["price"], "visits": "1"}] * batch)
        with count_queries() as statements:
            assert admin_client.get("/admin/contact/?page_size=50").status_code == 200
        counts.append(len(statements))
        with tenant_context(tenant_a.id):
            for contact in db.session.scalars(select(Contact)):
                db.session.delete(contact)
            db.session.commit()
    assert counts[0] == counts[1]


def test_date_and_decimal_values_show_in_the_users_language(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    names = gen_fields(tenant_a.id, budget=FIELDS["budget"], met_on=FIELDS["met_on"])
    admin_client.post("/admin/contact/new/", data=contact_form(org, **{
        names["budget"]: "1234.5", names["met_on"]: date(2026, 3, 1).isoformat()}))
    rows = list_rows(admin_client)
    assert "1.234,5" in rows and "1. mar. 2026" in rows


def test_search_in_searchable_fields_with_accents_and_quotes(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    names = gen_fields(tenant_a.id, note=FIELDS["note"])
    add_contacts(admin_client, org, names, [{"note": 'Særlig "VIP" kunde'}, {"note": "Øvrig"}])

    def found(search: str) -> list[str]:
        return people_in(list_rows(admin_client, f"?search={search}"))

    assert found("SÆRLIG") == ["Person0"]
    assert found('"vip"') == ["Person0"]
    assert found("øvr") == ["Person1"]
    assert found("nowhere") == []


def test_numbers_are_written_as_the_language_writes_them_each_time(app):
    """The shown text is remembered per value, type and locale: the same number in
    another language, or an equal number of another type, is written anew."""
    from decimal import Decimal

    from flask_babel import force_locale

    from app.services.fields import values

    with app.test_request_context():
        with force_locale("da"):
            assert values._number(1234) == "1.234"
            assert values._number(Decimal("1234.5")) == "1.234,5"
        with force_locale("en"):
            assert values._number(1234) == "1,234"
            assert values._number(Decimal("1234.5")) == "1,234.5"
        with force_locale("sv"):
            assert values._number(Decimal("1.0")) == "1"
            assert values._number(1234) == "1\xa0234"
