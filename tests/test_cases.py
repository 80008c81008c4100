"""Cases (C1): reference numbers, status dates, defaults, prefill from a contact, the
required primary contact, list filters, sorting and search, look-ups, configurable
fields, deletion rules, query budget and tenant isolation."""

from __future__ import annotations

import json
import re
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Case, Contact
from app.models.case import CASE_CLOSED, CASE_OPEN, CASE_REJECTED
from app.models.dictionary import CASE_CATEGORY
from app.services import dictionaries
from app.services.work.cases import new_case
from app.tenancy import tenant_context
from tests.conftest import (
    feedback,
    filter_arg,
    list_html,
    login,
    records,
    selected_option,
    titles_in,
    translated,
    user_id,
    view_of,
    warm_statements,
)
from tests.factories import (
    FIELDS,
    add_party,
    case_form,
    gen_case,
    gen_contact,
    gen_fields,
    gen_organisation,
    gen_task,
)

# --- helpers --------------------------------------------------------------------------


def category(tenant_id: int, key: str) -> int:
    with tenant_context(tenant_id):
        return dictionaries.by_key(CASE_CATEGORY, key).id


def get_case(tenant_id: int, case_id: int) -> Case | None:
    db.session.expire_all()
    with tenant_context(tenant_id):
        return db.session.get(Case, case_id)


# --- creating, references, defaults ---------------------------------------------------

def test_reference_numbers_count_per_tenant(client, tenant_a, tenant_b):
    contact_a = gen_contact(tenant_a.id)
    contact_b = gen_contact(tenant_b.id)
    login(client, "admin@alpha.example")
    for title in ("Første", "Anden"):
        response = client.post("/admin/case/new/", data=case_form(contact_a, title))
        assert response.status_code == 302, feedback(response.get_data(as_text=True))
    login(client, "admin@beta.example")
    assert client.post("/admin/case/new/", data=case_form(contact_b, "Pierwsza")).status_code \
        == 302
    assert [c.reference for c in records(Case, tenant_a.id)] == [1, 2]
    assert [c.reference for c in records(Case, tenant_b.id)] == [1]


def test_defaults_organisation_from_contact_and_creator_as_responsible(user_client, tenant_a):
    org = gen_organisation(tenant_a.id, "Nordlys ApS")
    contact = gen_contact(tenant_a.id, org)
    response = user_client.post("/admin/case/new/", data=case_form(contact))
    assert response.status_code == 302, feedback(response.get_data(as_text=True))
    [case] = records(Case, tenant_a.id)
    assert case.organisation_id == org
    assert case.responsible_user_id == user_id(tenant_a.id, "user@alpha.example")
    assert (case.status, case.closed_on, case.opened_on) == (CASE_OPEN, None, date(2026, 1, 5))
    with tenant_context(tenant_a.id):  # the change history has it
        assert db.session.scalar(select(AuditEntry.action).where(
            AuditEntry.entity == "crm_case", AuditEntry.record_id == case.id)) == "create"


def test_chosen_organisation_and_responsible_user_are_kept(admin_client, tenant_a):
    contact = gen_contact(tenant_a.id, gen_organisation(tenant_a.id))
    other_org = gen_organisation(tenant_a.id, "Sydlys ApS")
    colleague = user_id(tenant_a.id, "user@alpha.example")
    admin_client.post("/admin/case/new/", data=case_form(
        contact, organisation=str(other_org), responsible_user=str(colleague),
        category=str(category(tenant_a.id, "complaint"))))
    [case] = records(Case, tenant_a.id)
    assert (case.organisation_id, case.responsible_user_id) == (other_org, colleague)
    assert case.category_id == category(tenant_a.id, "complaint")


def category_choices(html: str) -> list[str]:
    select_tag = re.search(r'<select[^>]*name="category".*?</select>', html, re.S).group(0)
    return re.findall(r'<option[^>]*>([^<]*)</option>', select_tag)


def test_inactive_category_is_kept_on_its_cases_but_not_offered(admin_client, tenant_a):
    contact = gen_contact(tenant_a.id)
    order = category(tenant_a.id, "order")
    case_id = gen_case(tenant_a.id, contact, "Gammel ordre", category_id=order)
    with tenant_context(tenant_a.id):
        dictionaries.by_key(CASE_CATEGORY, "order").active = False
        db.session.commit()
    assert "Ordre" not in category_choices(admin_client.get("/admin/case/new/").get_data(
        as_text=True))
    edit = admin_client.get(f"/admin/case/edit/?id={case_id}").get_data(as_text=True)
    assert "Ordre" in category_choices(edit)
    response = admin_client.post(f"/admin/case/edit/?id={case_id}", data=case_form(
        contact, "Gammel ordre", category=str(order), description="Stadig ordre"))
    assert response.status_code == 302, feedback(response.get_data(as_text=True))
    assert get_case(tenant_a.id, case_id).category_id == order
    response = admin_client.post("/admin/case/new/", data=case_form(contact,
                                                                    category=str(order)))
    assert response.status_code == 200
    assert len(records(Case, tenant_a.id)) == 1


def test_closing_dates_the_case_and_reopening_clears_the_date(admin_client, tenant_a):
    contact = gen_contact(tenant_a.id)
    case_id = gen_case(tenant_a.id, contact)

    def set_status(status: str) -> Case:
        response = admin_client.post(f"/admin/case/edit/?id={case_id}",
                                     data=case_form(contact, "Reklamation", status=status))
        assert response.status_code == 302, feedback(response.get_data(as_text=True))
        return get_case(tenant_a.id, case_id)

    assert set_status(CASE_CLOSED).closed_on == date.today()
    with tenant_context(tenant_a.id):  # an earlier closing date stays when rejected
        db.session.get(Case, case_id).closed_on = date(2026, 1, 10)
        db.session.commit()
    assert set_status(CASE_REJECTED).closed_on == date(2026, 1, 10)
    assert set_status(CASE_OPEN).closed_on is None
    assert set_status(CASE_REJECTED).closed_on == date.today()


def test_primary_contact_is_required(admin_client, tenant_a, tenant_b):
    response = admin_client.post("/admin/case/new/", data=case_form(None))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert translated("A case must have a primary contact.") in html
    assert 'value="Reklamation over levering"' in html  # what was typed is kept
    foreign = gen_contact(tenant_b.id)
    for contact in (str(foreign), "abc", "99999999999"):
        response = admin_client.post("/admin/case/new/", data=case_form(None,
                                                                          primary_contact=contact))
        assert response.status_code == 200
    assert records(Case, tenant_a.id) == []


def test_primary_contact_is_checked_by_the_service_too(tenant_a):
    import pytest

    from app.services.errors import ServiceError
    from app.services.work import cases

    with tenant_context(tenant_a.id):
        case = new_case()
        case.title = "Uden kontakt"
        with pytest.raises(ServiceError) as refused:
            cases.prepare(case, is_new=True)
        assert refused.value.field == "primary_contact"
        db.session.rollback()


def test_foreign_secondary_contact_or_organisation_is_refused(admin_client, tenant_a, tenant_b):
    contact = gen_contact(tenant_a.id)
    foreign_contact = gen_contact(tenant_b.id, last_name="Kowalski")
    foreign_org = gen_organisation(tenant_b.id, "Polskie Sp. z o.o.")
    for extra in ({"secondary_contacts": str(foreign_contact)},
                  {"organisation": str(foreign_org)}):
        response = admin_client.post("/admin/case/new/", data=case_form(contact, **extra))
        assert response.status_code == 200
    assert records(Case, tenant_a.id) == []


def test_secondary_contacts_are_saved(admin_client, tenant_a):
    contact = gen_contact(tenant_a.id)
    others = [gen_contact(tenant_a.id, last_name=name) for name in ("Berg", "Dahl")]
    response = admin_client.post("/admin/case/new/", data=case_form(
        contact, secondary_contacts=",".join(map(str, others))))
    assert response.status_code == 302, feedback(response.get_data(as_text=True))
    [case] = records(Case, tenant_a.id)
    with tenant_context(tenant_a.id):
        case = db.session.get(Case, case.id)
        assert sorted(c.id for c in case.secondary_contacts) == sorted(others)


# --- prefill from a contact -----------------------------------------------------------

def test_new_case_for_a_contact_prefills_contact_and_organisation(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id, "Nordlys ApS")
    contact = gen_contact(tenant_a.id, org, last_name="Fjordby")
    html = admin_client.get(f"/admin/case/new/?contact_id={contact}").get_data(as_text=True)
    assert "Jens Fjordby" in html and "Nordlys ApS" in html
    assert re.search(rf'name="primary_contact"[^>]*value="{contact}"', html) or \
        re.search(rf'value="{contact}"[^>]*name="primary_contact"', html)
    assert selected_option(html, "responsible_user") == \
        str(user_id(tenant_a.id, "admin@alpha.example"))


def test_prefill_ignores_foreign_and_malformed_contact_ids(admin_client, tenant_a, tenant_b):
    foreign = gen_contact(tenant_b.id, last_name="Kowalski")
    for contact_id in (str(foreign), "abc", "-1", "99999999999", "", "1e3"):
        response = admin_client.get(f"/admin/case/new/?contact_id={contact_id}")
        assert response.status_code == 200
        assert "Kowalski" not in response.get_data(as_text=True)


# --- the list: filters, sorting, search -----------------------------------------------

def three_cases(tenant_a) -> dict[str, int]:
    """Cases with different statuses, categories, users, contacts and organisations."""
    org_1 = gen_organisation(tenant_a.id, "Nordlys ApS")
    org_2 = gen_organisation(tenant_a.id, "Sydlys ApS")
    anna = gen_contact(tenant_a.id, org_1, first_name="Anna", last_name="Andersen")
    bo = gen_contact(tenant_a.id, org_2, first_name="Bo", last_name="Bech")
    carl = gen_contact(tenant_a.id, org_2, first_name="Carl", last_name="Clausen")
    admin = user_id(tenant_a.id, "admin@alpha.example")
    colleague = user_id(tenant_a.id, "user@alpha.example")
    ids = {
        "Alfa-sag": gen_case(tenant_a.id, anna, "Alfa-sag", organisation_id=org_1,
                              responsible_user_id=admin,
                              category_id=category(tenant_a.id, "complaint")),
        "Beta-sag": gen_case(tenant_a.id, bo, "Beta-sag", organisation_id=org_2,
                              responsible_user_id=colleague, status=CASE_CLOSED,
                              closed_on=date(2026, 2, 1),
                              category_id=category(tenant_a.id, "order")),
        "Gamma-sag": gen_case(tenant_a.id, carl, "Gamma-sag", organisation_id=org_2,
                               responsible_user_id=admin, status=CASE_REJECTED,
                               closed_on=date(2026, 3, 1)),
    }
    add_party(tenant_a.id, ids["Gamma-sag"], anna)  # Anna is also a party of Gamma
    return {**ids, "anna": anna, "org_1": org_1, "colleague": colleague}


CASE_TITLES = ["Alfa-sag", "Beta-sag", "Gamma-sag"]


def test_case_list_filters(app, admin_client, tenant_a):
    ids = three_cases(tenant_a)

    def shown(name: str, value, operation: str = "equals") -> list[str]:
        query = f"?{filter_arg(app, 'case', name, operation)}={value}"
        return sorted(titles_in(list_html(admin_client, "case", query), CASE_TITLES))

    assert shown("Status", CASE_CLOSED) == ["Beta-sag"]
    assert shown("Responsible user", ids["colleague"]) == ["Beta-sag"]
    assert shown("Category", category(tenant_a.id, "complaint")) == ["Alfa-sag"]
    assert shown("Organisation", ids["org_1"]) == ["Alfa-sag"]
    # a contact as primary or secondary party, by name or by id
    assert shown("Contact", "Andersen", "matches") == ["Alfa-sag", "Gamma-sag"]
    assert shown("Contact", ids["anna"], "has id") == ["Alfa-sag", "Gamma-sag"]
    # malformed ids are refused, never sent to the database
    assert shown("Organisation", "abc") == CASE_TITLES
    assert shown("Contact", "99999999999", "has id") == CASE_TITLES


def test_case_list_sorts_on_every_column(app, admin_client, tenant_a):
    three_cases(tenant_a)
    view = view_of(app, "case")
    for index, _column in enumerate(view.column_list):
        for desc in ("", "&desc=1"):
            response = admin_client.get(f"/admin/case/?sort={index}{desc}")
            assert response.status_code == 200, view.column_list[index]
    by_status = list_html(admin_client, "case", f"?sort={view.column_list.index('status')}")
    assert titles_in(by_status, CASE_TITLES) == ["Alfa-sag", "Beta-sag", "Gamma-sag"]
    by_contact = list_html(admin_client, "case",
                           f"?sort={view.column_list.index('primary_contact')}&desc=1")
    assert titles_in(by_contact, CASE_TITLES) == ["Gamma-sag", "Beta-sag", "Alfa-sag"]
    by_reference = list_html(admin_client, "case", "?sort=0&desc=1")
    assert titles_in(by_reference, CASE_TITLES) == ["Gamma-sag", "Beta-sag", "Alfa-sag"]


def test_case_search_by_title_and_reference(admin_client, tenant_a):
    three_cases(tenant_a)
    assert titles_in(list_html(admin_client, "case", "?search=beta"), CASE_TITLES) == \
        ["Beta-sag"]
    assert titles_in(list_html(admin_client, "case", "?search=%233"), CASE_TITLES) == \
        ["Gamma-sag"]


def test_case_list_query_count_is_fixed(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    counts = []
    for batch in range(2):
        for index in range(3 + 10 * batch):
            contact = gen_contact(tenant_a.id, org, last_name=f"L{batch}-{index}")
            gen_case(tenant_a.id, contact, f"Sag {batch}-{index}", organisation_id=org,
                      category_id=category(tenant_a.id, "order"),
                      responsible_user_id=user_id(tenant_a.id, "admin@alpha.example"))
        response, statements = warm_statements(admin_client, "/admin/case/?page_size=50")
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


# --- look-ups -------------------------------------------------------------------------

def lookup(client, endpoint: str, name: str, query: str, **extra) -> list:
    arguments = "&".join(f"{k}={v}" for k, v in extra.items())
    response = client.get(f"/admin/{endpoint}/ajax/lookup/?name={name}&query={query}"
                          f"&{arguments}")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def test_contact_lookup_finds_only_own_tenants_contacts(client, tenant_a, tenant_b):
    own = gen_contact(tenant_a.id, last_name="Hansen")
    foreign = gen_contact(tenant_b.id, last_name="Hansen")
    login(client, "admin@alpha.example")
    for endpoint, name in (("case", "primary_contact"), ("case", "secondary_contacts"),
                           ("task", "contact")):
        found = lookup(client, endpoint, name, "hans", limit=1000)
        assert [item[0] for item in found] == [own]
        assert foreign not in [item[0] for item in lookup(client, endpoint, name, "")]
    login(client, "admin@beta.example")
    assert [item[0] for item in lookup(client, "case", "primary_contact", "hans")] == [foreign]


def test_organisation_and_case_lookups_are_tenant_scoped(client, tenant_a, tenant_b):
    own_org = gen_organisation(tenant_a.id, "Fælles navn")
    gen_organisation(tenant_b.id, "Fælles navn")
    own_case = gen_case(tenant_a.id, gen_contact(tenant_a.id), "Fælles sag")
    gen_case(tenant_b.id, gen_contact(tenant_b.id), "Fælles sag")
    login(client, "admin@alpha.example")
    assert [i[0] for i in lookup(client, "case", "organisation", "Fælles")] == [own_org]
    assert [i[0] for i in lookup(client, "task", "case", "Fælles")] == [own_case]
    assert [i[0] for i in lookup(client, "task", "case", "1")] == [own_case]  # reference


# --- configurable fields ----------------------------------------------------------------

def test_case_configurable_fields_in_form_details_and_list(admin_client, tenant_a):
    names = gen_fields(tenant_a.id, "case", note=FIELDS["note"], visits=FIELDS["visits"])
    contact = gen_contact(tenant_a.id)
    assert names["note"] in admin_client.get("/admin/case/new/").get_data(as_text=True)
    response = admin_client.post("/admin/case/new/", data=case_form(
        contact, **{names["note"]: "Ring efter kl. 10", names["visits"]: "3"}))
    assert response.status_code == 302, feedback(response.get_data(as_text=True))
    [case] = records(Case, tenant_a.id)
    assert case.custom == {"note": "Ring efter kl. 10", "visits": 3}
    details = admin_client.get(f"/admin/case/details/?id={case.id}").get_data(as_text=True)
    assert "Opmærksomhedspunkter" in details and "Ring efter kl. 10" in details
    assert "Ring efter kl. 10" in list_html(admin_client, "case")


# --- deleting -----------------------------------------------------------------------------

def test_case_with_tasks_is_not_deleted(admin_client, tenant_a):
    contact = gen_contact(tenant_a.id)
    case_id = gen_case(tenant_a.id, contact, "Sag med opgaver")
    gen_task(tenant_a.id, case_id=case_id)
    for data in ({"id": case_id}, {"action": "delete", "rowid": str(case_id)}):
        url = "/admin/case/action/" if "action" in data else "/admin/case/delete/"
        html = admin_client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
        refusal = re.search(r'alert-danger.*?</div>', html, re.S).group(0)
        assert "#1 Sag med opgaver" in refusal and "1" in refusal  # names what holds it
        assert get_case(tenant_a.id, case_id) is not None
    empty = gen_case(tenant_a.id, contact, "Tom sag")
    other = gen_case(tenant_a.id, contact, "Anden tom sag")
    admin_client.post("/admin/case/delete/", data={"id": empty})
    admin_client.post("/admin/case/action/", data={"action": "delete", "rowid": str(other)})
    assert get_case(tenant_a.id, empty) is None and get_case(tenant_a.id, other) is None


def test_contact_with_cases_is_not_deleted(admin_client, tenant_a):
    contact = gen_contact(tenant_a.id, last_name="Sagsen")
    other = gen_contact(tenant_a.id, last_name="Partsen")
    case_id = gen_case(tenant_a.id, contact)
    add_party(tenant_a.id, case_id, other)
    for contact_id in (contact, other):
        admin_client.post("/admin/contact/delete/", data={"id": contact_id})
    db.session.expire_all()
    with tenant_context(tenant_a.id):
        assert db.session.get(Contact, contact) is not None
        assert db.session.get(Contact, other) is not None


# --- tenant isolation -------------------------------------------------------------------------

def test_other_tenant_cannot_reach_cases(client, tenant_a, tenant_b):
    case_id = gen_case(tenant_a.id, gen_contact(tenant_a.id), "Hemmelig sag")
    login(client, "admin@beta.example")
    assert "Hemmelig sag" not in list_html(client, "case")
    for url in (f"/admin/case/details/?id={case_id}", f"/admin/case/edit/?id={case_id}"):
        response = client.get(url)
        assert response.status_code == 302 and "Hemmelig" not in response.get_data(as_text=True)
    client.post(f"/admin/case/edit/?id={case_id}",
                data=case_form(gen_contact(tenant_b.id), "Overtaget"))
    client.post("/admin/case/delete/", data={"id": case_id})
    client.post("/admin/case/action/", data={"action": "delete", "rowid": str(case_id)})
    for export in ("csv", "xlsx"):
        response = client.get(f"/admin/case/export/{export}/")
        assert response.status_code == 200 and b"Hemmelig" not in response.data
    case = get_case(tenant_a.id, case_id)
    assert case is not None and case.title == "Hemmelig sag"
    assert records(Case, tenant_b.id) == []


def test_case_export_queries_do_not_grow_with_cases(admin_client, tenant_a):
    def export_queries() -> int:
        response, statements = warm_statements(admin_client, "/admin/case/export/csv/")
        assert response.status_code == 200
        return len(statements)

    contact = gen_contact(tenant_a.id)
    add_party(tenant_a.id, gen_case(tenant_a.id, contact, "Første"), contact)
    few = export_queries()
    for number in range(5):
        add_party(tenant_a.id, gen_case(tenant_a.id, contact, f"Sag {number}"), contact)
    assert export_queries() == few


def test_case_details_show_its_tasks_and_export_holds_cases(admin_client, tenant_a):
    case_id = gen_case(tenant_a.id, gen_contact(tenant_a.id), "Sag med opgave")
    gen_task(tenant_a.id, "Send tilbud", case_id=case_id)
    details = admin_client.get(f"/admin/case/details/?id={case_id}").get_data(as_text=True)
    assert "Send tilbud" in details and f"/admin/task/new/?case_id={case_id}" in details
    export = admin_client.get("/admin/case/export/csv/").get_data(as_text=True)
    assert "Sag med opgave" in export and "Jens Hansen" in export
