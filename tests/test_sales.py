"""Opportunities, campaigns and projects (D10): CRUD, rules, defaults, lists, export,
lookups, tenant isolation, a contact's participation, demo data."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Campaign, Contact, Opportunity, Project
from app.services import settings
from app.services.sales import records as sales
from app.tenancy import tenant_context
from app.views.sales import parse_amount
from tests.conftest import (
    count_queries,
    export_csv,
    feedback,
    filter_arg,
    login,
    records,
    selected_option,
    translated,
    user_id,
    warm_statements,
)
from tests.factories import (
    gen_contact,
    gen_opportunity,
    gen_organisation,
    gen_with_participants,
    set_settings,
)

# --- helpers --------------------------------------------------------------------------

# --- opportunities --------------------------------------------------------------------


def test_create_opportunity_completes_defaults(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id, "Nordlys ApS")
    contact = gen_contact(tenant_a.id, org)
    response = admin_client.post("/admin/opportunity/new/", data={
        "title": "  Licensaftale 2026 ", "contact": str(contact), "amount": "12.500,50",
        "currency": "DKK", "stage": "qualified", "expected_close_on": "2026-09-30"})
    assert response.status_code == 302, feedback(response.get_data(as_text=True))
    [opportunity] = records(Opportunity, tenant_a.id)
    assert opportunity.title == "Licensaftale 2026"
    assert opportunity.organisation_id == org  # from the contact
    assert opportunity.owner_id == user_id(tenant_a.id, "admin@alpha.example")  # creator
    assert opportunity.amount == Decimal("12500.50")
    assert opportunity.expected_close_on == date(2026, 9, 30)
    with tenant_context(tenant_a.id):
        assert db.session.scalar(select(AuditEntry.action).where(
            AuditEntry.entity == "opportunity")) == "create"


def test_given_organisation_is_kept_and_owner_may_be_chosen(admin_client, tenant_a):
    own_org = gen_organisation(tenant_a.id, "Nordlys ApS")
    other_org = gen_organisation(tenant_a.id, "Sydlys ApS")
    contact = gen_contact(tenant_a.id, own_org)
    colleague = user_id(tenant_a.id, "user@alpha.example")
    admin_client.post("/admin/opportunity/new/", data={
        "title": "Deal", "contact": str(contact), "organisation": str(other_org),
        "owner": str(colleague), "currency": "EUR", "stage": "prospect"})
    [opportunity] = records(Opportunity, tenant_a.id)
    assert (opportunity.organisation_id, opportunity.owner_id) == (other_org, colleague)


@pytest.mark.parametrize(("language", "currency"),
                         [("da", "DKK"), ("sv", "SEK"), ("pl", "PLN"), ("en", "EUR")])
def test_currency_defaults_to_the_tenants_language(admin_client, tenant_a, language, currency):
    set_settings(tenant_a.id, default_language=language)
    html = admin_client.get("/admin/opportunity/new/").get_data(as_text=True)
    assert selected_option(html, "currency") == currency
    assert selected_option(html, "owner") == str(user_id(tenant_a.id, "admin@alpha.example"))
    with tenant_context(tenant_a.id):
        opportunity = Opportunity(title="Deal")
        sales.prepare_opportunity(opportunity, is_new=True)
        assert opportunity.currency == currency
        assert opportunity.stage == "prospect"


def test_polish_tenant_gets_zloty(client, tenant_b):
    login(client, "admin@beta.example")
    html = client.get("/admin/opportunity/new/").get_data(as_text=True)
    assert selected_option(html, "currency") == "PLN"


def test_ordinary_member_creates_and_edits(user_client, tenant_a):
    set_settings(tenant_a.id, users_edit_contacts=False, users_edit_organisations=False)
    response = user_client.post("/admin/opportunity/new/",
                                data={"title": "Mit salg", "currency": "DKK", "stage": "won"})
    assert response.status_code == 302
    [opportunity] = records(Opportunity, tenant_a.id)
    assert opportunity.owner_id == user_id(tenant_a.id, "user@alpha.example")
    user_client.post(f"/admin/opportunity/edit/?id={opportunity.id}",
                     data={"title": "Mit salg", "currency": "DKK", "stage": "lost",
                           "owner": str(opportunity.owner_id)})
    assert records(Opportunity, tenant_a.id)[0].stage == "lost"
    for path in ("campaign", "project"):
        assert user_client.post(f"/admin/{path}/new/", data={"name": "Ny"}).status_code == 302


def test_edit_and_delete_opportunity(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    opportunity = gen_opportunity(tenant_a.id, organisation_id=org, amount=Decimal(10))
    response = admin_client.post(f"/admin/opportunity/edit/?id={opportunity}", data={
        "title": "Større aftale", "organisation": str(org), "amount": "2500",
        "currency": "EUR", "stage": "negotiation"})
    assert response.status_code == 302, feedback(response.get_data(as_text=True))
    [saved] = records(Opportunity, tenant_a.id)
    assert (saved.title, saved.amount, saved.currency, saved.stage) == (
        "Større aftale", Decimal("2500.00"), "EUR", "negotiation")
    assert saved.owner_id is None  # the creator default is for new records only
    admin_client.post("/admin/opportunity/delete/", data={"id": str(opportunity)})
    assert records(Opportunity, tenant_a.id) == []


def test_negative_amount_is_refused_next_to_the_field(admin_client, tenant_a):
    response = admin_client.post("/admin/opportunity/new/", data={
        "title": "Kreditnota", "amount": "-5", "currency": "DKK", "stage": "prospect"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert translated("The amount cannot be negative.") in html
    assert 'value="Kreditnota"' in html  # what was typed is kept
    assert records(Opportunity, tenant_a.id) == []


def test_too_large_amount_is_refused(admin_client, tenant_a):
    response = admin_client.post("/admin/opportunity/new/", data={
        "title": "Alt", "amount": "1000000000000", "currency": "DKK", "stage": "prospect"})
    assert response.status_code == 200
    assert translated("The amount is too large.") in response.get_data(as_text=True)


@pytest.mark.parametrize(("typed", "amount"), [
    ("1.234,50", "1234.50"), ("1 234,5", "1234.5"), ("1,234.50", "1234.50"),
    ("1234.5", "1234.5"), ("1.234", "1234"), ("12,5", "12.5"), ("1.234.567", "1234567"),
    ("0,99", "0.99"), ("-7,5", "-7.5")])
def test_amounts_are_read_as_typed(typed, amount):
    assert parse_amount(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["abc", "NaN", "Infinity", "1,2,3.4.5", ","])
def test_malformed_amounts_are_refused(typed):
    with pytest.raises(InvalidOperation):
        parse_amount(typed)


@pytest.mark.parametrize("title", ["", "   "])
def test_title_is_required(admin_client, tenant_a, title):
    response = admin_client.post("/admin/opportunity/new/",
                                 data={"title": title, "currency": "DKK", "stage": "prospect"})
    assert response.status_code == 200
    assert "Dette felt er påkrævet." in response.get_data(as_text=True)
    assert records(Opportunity, tenant_a.id) == []


def test_malformed_amount_and_unknown_stage_are_refused(admin_client, tenant_a):
    for data in ({"amount": "12x"}, {"stage": "sold"}, {"currency": "XYZ"}):
        response = admin_client.post("/admin/opportunity/new/", data={
            "title": "Deal", "currency": "DKK", "stage": "prospect", **data})
        assert response.status_code == 200, data
    assert records(Opportunity, tenant_a.id) == []


def test_amount_is_shown_with_its_currency_in_the_users_locale(admin_client, tenant_a):
    opportunity = gen_opportunity(tenant_a.id, amount=Decimal("1234.5"), currency="EUR",
                                   stage="won")
    html = admin_client.get(f"/admin/opportunity/details/?id={opportunity}").get_data(
        as_text=True)
    assert "1.234,50\xa0€" in html
    assert translated("Won") in html


# --- campaigns and projects -----------------------------------------------------------

def test_campaign_crud_with_participants(admin_client, tenant_a):
    first = gen_contact(tenant_a.id, last_name="Aagaard")
    second = gen_contact(tenant_a.id, last_name="Bech")
    response = admin_client.post("/admin/campaign/new/", data={
        "name": "Forårskampagne", "starts_on": "2026-03-01", "ends_on": "2026-04-30",
        "description": "Rabat på service", "participants": f"{first},{second}"})
    assert response.status_code == 302, feedback(response.get_data(as_text=True))
    [campaign] = records(Campaign, tenant_a.id)
    with tenant_context(tenant_a.id):
        campaign = db.session.get(Campaign, campaign.id)
        assert [c.last_name for c in campaign.participants] == ["Aagaard", "Bech"]
    details = admin_client.get(f"/admin/campaign/details/?id={campaign.id}").get_data(
        as_text=True)
    assert f'href="/admin/contact/details/?id={first}"' in details
    assert "Rabat på service" in details
    admin_client.post(f"/admin/campaign/edit/?id={campaign.id}", data={
        "name": "Forårskampagne", "starts_on": "2026-03-01", "ends_on": "",
        "participants": str(second)})
    with tenant_context(tenant_a.id):
        db.session.expire_all()
        campaign = db.session.get(Campaign, campaign.id)
        assert [c.last_name for c in campaign.participants] == ["Bech"]
        assert campaign.ends_on is None
    admin_client.post("/admin/campaign/delete/", data={"id": str(campaign.id)})
    assert records(Campaign, tenant_a.id) == []
    assert len(records(Contact, tenant_a.id)) == 2  # participants stay


def test_project_crud_with_owner_default(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id, "Nordlys ApS")
    contact = gen_contact(tenant_a.id)
    response = admin_client.post("/admin/project/new/", data={
        "name": "CRM-implementering", "organisation": str(org), "starts_on": "2026-01-01",
        "ends_on": "2026-06-30", "participants": str(contact), "description": "Fase 1"})
    assert response.status_code == 302, feedback(response.get_data(as_text=True))
    [project] = records(Project, tenant_a.id)
    assert project.owner_id == user_id(tenant_a.id, "admin@alpha.example")
    assert project.organisation_id == org
    details = admin_client.get(f"/admin/project/details/?id={project.id}").get_data(
        as_text=True)
    assert "Nordlys ApS" in details and "Jens Hansen" in details
    admin_client.post(f"/admin/project/edit/?id={project.id}",
                      data={"name": "CRM, fase 2", "owner": "__None", "organisation": "",
                            "participants": ""})
    [project] = records(Project, tenant_a.id)
    assert (project.name, project.owner_id, project.organisation_id) == ("CRM, fase 2", None,
                                                                        None)
    admin_client.post("/admin/project/delete/", data={"id": str(project.id)})
    assert records(Project, tenant_a.id) == []


@pytest.mark.parametrize("path", ["campaign", "project"])
def test_end_before_start_is_refused_next_to_the_end_date(admin_client, tenant_a, path):
    response = admin_client.post(f"/admin/{path}/new/", data={
        "name": "Baglæns", "starts_on": "2026-05-01", "ends_on": "2026-04-30"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    message = translated("The end date cannot be before the start date.")
    assert message in html
    assert html.index('name="ends_on"') < html.index(message)  # shown by the end date
    assert 'value="Baglæns"' in html
    model = Campaign if path == "campaign" else Project
    assert records(model, tenant_a.id) == []


@pytest.mark.parametrize("path", ["campaign", "project"])
def test_name_is_required(admin_client, tenant_a, path):
    response = admin_client.post(f"/admin/{path}/new/", data={"name": " "})
    assert response.status_code == 200
    assert "Dette felt er påkrævet." in response.get_data(as_text=True)


def test_period_rule_in_the_service(tenant_a):
    from app.services.errors import ServiceError

    with tenant_context(tenant_a.id):
        sales.check_period(date(2026, 1, 1), date(2026, 1, 1))  # one day is fine
        sales.check_period(None, date(2026, 1, 1))
        with pytest.raises(ServiceError) as refused:
            sales.prepare_campaign(Campaign(name="X", starts_on=date(2026, 2, 1),
                                            ends_on=date(2026, 1, 31)))
        assert refused.value.field == "ends_on"


# --- lists: search, filters, sorting, export, query counts ----------------------------

def column_values(html: str, column: str = "title") -> list[str]:
    """The list's cells of one column, top to bottom, as text."""
    cells = re.findall(rf'<td class="col-{column}">(.*?)</td>', html, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


@pytest.fixture
def pipeline(tenant_a):
    """Three opportunities of tenant A with different values in every column."""
    nordlys = gen_organisation(tenant_a.id, "Nordlys ApS")
    aarhus = gen_organisation(tenant_a.id, "Aarhus A/S")
    jensen = gen_contact(tenant_a.id, nordlys, last_name="Jensen")
    berg = gen_contact(tenant_a.id, aarhus, first_name="Anna", last_name="Berg")
    admin = user_id(tenant_a.id, "admin@alpha.example")
    colleague = user_id(tenant_a.id, "user@alpha.example")
    gen_opportunity(tenant_a.id, "Alfa", organisation_id=nordlys, contact_id=jensen,
                     amount=Decimal(300), stage="won", owner_id=admin,
                     expected_close_on=date(2026, 3, 1))
    gen_opportunity(tenant_a.id, "Beta", organisation_id=aarhus, contact_id=berg,
                     amount=Decimal(100), stage="prospect", owner_id=colleague,
                     currency="EUR", expected_close_on=date(2026, 1, 1))
    gen_opportunity(tenant_a.id, "Gamma", organisation_id=nordlys, amount=Decimal(200),
                     stage="proposal", owner_id=admin, expected_close_on=date(2026, 2, 1))
    return {"nordlys": nordlys, "aarhus": aarhus, "admin": admin, "colleague": colleague}


def test_opportunity_list_sorts_on_every_column(app, admin_client, pipeline):
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "opportunity")
    columns = [name for name, _label in view._list_columns]
    expected = {"title": ["Alfa", "Beta", "Gamma"], "organisation": ["Beta", "Alfa", "Gamma"],
                "contact": ["Beta", "Alfa"], "amount": ["Beta", "Gamma", "Alfa"],
                "stage": ["Beta", "Gamma", "Alfa"],  # pipeline order, not alphabetical
                "expected_close_on": ["Beta", "Gamma", "Alfa"],
                "owner": ["Alfa", "Gamma", "Beta"]}
    assert set(view._sortable_columns) == set(expected)
    for column, order in expected.items():
        html = admin_client.get(f"/admin/opportunity/?sort={columns.index(column)}").get_data(
            as_text=True)
        shown = [title for title in column_values(html) if title in order]
        assert shown == order, column
    html = admin_client.get(
        f"/admin/opportunity/?sort={columns.index('amount')}&desc=1").get_data(as_text=True)
    assert column_values(html) == ["Alfa", "Gamma", "Beta"]


def test_opportunity_list_filters(app, admin_client, pipeline):
    def shown(query: str) -> list[str]:
        html = admin_client.get(f"/admin/opportunity/?{query}").get_data(as_text=True)
        return sorted(column_values(html))

    stage = filter_arg(app, "opportunity", "stage", "equals")
    owner = filter_arg(app, "opportunity", "owner_id", "equals")
    organisation = filter_arg(app, "opportunity", "organisation_id", "equals")
    contact = filter_arg(app, "opportunity", "contact_id", "matches")
    currency = filter_arg(app, "opportunity", "currency", "equals")
    closing = filter_arg(app, "opportunity", "expected_close_on", "between")
    assert shown(f"{stage}=won") == ["Alfa"]
    assert shown(f"{owner}={pipeline['colleague']}") == ["Beta"]
    assert shown(f"{organisation}={pipeline['nordlys']}") == ["Alfa", "Gamma"]
    assert shown(f"{contact}=berg") == ["Beta"]
    assert shown(f"{currency}=EUR") == ["Beta"]
    amount = filter_arg(app, "opportunity", "amount", "greater than")
    assert shown(f"{amount}=150") == ["Alfa", "Gamma"]
    assert shown(f"{closing}=2026-01-15+to+2026-02-15") == ["Gamma"]
    assert shown("search=gam") == ["Gamma"]


def test_filter_choices_are_the_tenants_and_translated(admin_client, pipeline, tenant_b):
    gen_organisation(tenant_b.id, "Polskie Sp. z o.o.")
    html = admin_client.get("/admin/opportunity/").get_data(as_text=True)
    assert "Nordlys ApS" in html and "Aarhus A/S" in html
    assert "Polskie" not in html and "Admin beta" not in html
    new_form = admin_client.get("/admin/project/new/").get_data(as_text=True)
    assert "User alpha" in new_form and "Admin beta" not in new_form  # owner choices
    assert translated("Negotiation") in html


def test_campaign_and_project_lists_sort_and_filter_on_participants(app, admin_client,
                                                                    tenant_a):
    many = [gen_contact(tenant_a.id, last_name=f"Person{i}") for i in range(3)]
    gen_with_participants(Campaign, tenant_a.id, "Lille", many[:1],
                           starts_on=date(2026, 5, 1))
    gen_with_participants(Campaign, tenant_a.id, "Stor", many, starts_on=date(2026, 1, 1))
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "campaign")
    columns = [name for name, _label in view._list_columns]
    assert set(view._sortable_columns) == set(columns)
    by_count = admin_client.get(
        f"/admin/campaign/?sort={columns.index('participant_count')}&desc=1").get_data(
        as_text=True)
    assert column_values(by_count, "name") == ["Stor", "Lille"]
    assert column_values(by_count, "participant_count") == ["3", "1"]
    by_start = admin_client.get(
        f"/admin/campaign/?sort={columns.index('starts_on')}").get_data(as_text=True)
    assert column_values(by_start, "name") == ["Stor", "Lille"]
    participant = filter_arg(app, "campaign", "id", "matches")
    html = admin_client.get(f"/admin/campaign/?{participant}=person2").get_data(
        as_text=True)
    assert column_values(html, "name") == ["Stor"]
    gen_with_participants(Project, tenant_a.id, "Projekt", many[1:])
    project_filter = filter_arg(app, "project", "id", "matches")
    html = admin_client.get(f"/admin/project/?{project_filter}=person0").get_data(
        as_text=True)
    assert column_values(html, "name") == []
    html = admin_client.get(f"/admin/project/?{project_filter}=person1").get_data(
        as_text=True)
    assert column_values(html, "name") == ["Projekt"]


def test_project_list_filters_on_organisation_owner_and_dates(app, admin_client, pipeline,
                                                             tenant_a):
    gen_with_participants(Project, tenant_a.id, "Nord", organisation_id=pipeline["nordlys"],
                           owner_id=pipeline["admin"], starts_on=date(2026, 1, 10))
    gen_with_participants(Project, tenant_a.id, "Aarhus", organisation_id=pipeline["aarhus"],
                           owner_id=pipeline["colleague"], starts_on=date(2026, 6, 1))

    def shown(query: str) -> list[str]:
        html = admin_client.get(f"/admin/project/?{query}").get_data(as_text=True)
        return column_values(html, "name")

    organisation = filter_arg(app, "project", "organisation_id", "equals")
    owner = filter_arg(app, "project", "owner_id", "equals")
    starts = filter_arg(app, "project", "starts_on", "smaller than")
    assert shown(f"{organisation}={pipeline['nordlys']}") == ["Nord"]
    assert shown(f"{owner}={pipeline['colleague']}") == ["Aarhus"]
    assert shown(f"{starts}=2026-03-01") == ["Nord"]
    assert shown(f"{owner}=not-a-number") == ["Aarhus", "Nord"]  # ignored, no error
    assert shown("search=aar") == ["Aarhus"]


def test_export_csv_and_xlsx(admin_client, pipeline, tenant_a):
    rows = {row[0]: row for row in export_csv(admin_client, "opportunity")}
    assert rows["Alfa"][1:6] == ["Nordlys ApS", "Jens Jensen", "300,00", "DKK",
                                 translated("Won")]
    assert rows["Beta"][4] == "EUR"
    gen_with_participants(Campaign, tenant_a.id, "Messe", [],
                           starts_on=date(2026, 8, 1))
    gen_with_participants(Project, tenant_a.id, "Udrulning", [])
    for path, name in (("campaign", "Messe"), ("project", "Udrulning")):
        assert name in admin_client.get(f"/admin/{path}/export/csv/").get_data(as_text=True)
    for path in ("opportunity", "campaign", "project"):
        xlsx = admin_client.get(f"/admin/{path}/export/xlsx/")
        assert xlsx.status_code == 200
        assert xlsx.data[:2] == b"PK"  # a zip container: an XLSX file


def make_listed_record(path: str, tenant_id: int, name: str, owner: int) -> None:
    """A record whose related records are its own, so no lazy load is hidden by the
    session's identity map."""
    org = gen_organisation(tenant_id, f"Org {name}")
    people = [gen_contact(tenant_id, org, last_name=f"{name}-{i}") for i in range(2)]
    if path == "opportunity":
        gen_opportunity(tenant_id, name, organisation_id=org, contact_id=people[0],
                         owner_id=owner, amount=Decimal(1))
    elif path == "campaign":
        gen_with_participants(Campaign, tenant_id, name, people)
    else:
        gen_with_participants(Project, tenant_id, name, people, organisation_id=org,
                               owner_id=owner)


@pytest.mark.parametrize("path", ["opportunity", "campaign", "project"])
def test_list_query_count_is_fixed(admin_client, tenant_a, path):
    owners = [user_id(tenant_a.id, "admin@alpha.example"),
              user_id(tenant_a.id, "user@alpha.example")]
    counts = []
    for batch in range(2):
        for index in range(2 + 6 * batch):
            make_listed_record(path, tenant_a.id, f"R{batch}-{index}", owners[index % 2])
        with count_queries() as statements:
            html = admin_client.get(f"/admin/{path}/?page_size=50").get_data(as_text=True)
        assert len(column_values(html, "title" if path == "opportunity" else "name")) == (
            2 + 8 * batch)
        counts.append(len(statements))
    assert counts[0] == counts[1]


# --- lookups and tenant isolation -----------------------------------------------------

def test_lookup_finds_the_tenants_contacts_by_name_and_e_mail(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id, "Nordlys ApS")
    contact = gen_contact(tenant_a.id, org, first_name="Søren", last_name="Østergård")
    for query in ("østergå", "ØSTER", "søren østergård", "søren.østergård@"):
        response = admin_client.get(
            f"/admin/opportunity/ajax/lookup/?name=contact&query={query}")
        assert response.json == [[contact, "Søren Østergård (Nordlys ApS, "
                                           "søren.østergård@example.com)"]], query
    for path, name in (("campaign", "participants"), ("project", "participants"),
                       ("project", "organisation"), ("opportunity", "organisation")):
        query = "nord" if name == "organisation" else "søren"
        response = admin_client.get(f"/admin/{path}/ajax/lookup/?name={name}&query={query}")
        assert response.status_code == 200 and response.json, (path, name)


def test_lookup_returns_a_bounded_page(admin_client, tenant_a):
    with tenant_context(tenant_a.id):
        db.session.add_all(Contact(first_name="Many", last_name=f"M{i:03}") for i in range(60))
        db.session.commit()
    url = "/admin/campaign/ajax/lookup/?name=participants&query=many"
    assert len(admin_client.get(f"{url}&limit=1000").json) == 50
    assert len(admin_client.get(f"{url}&limit=10&offset=55").json) == 5
    assert admin_client.get(f"{url}&offset=-3&limit=0").status_code == 200
    assert admin_client.get("/admin/campaign/ajax/lookup/?name=nothing&query=x"
                            ).status_code == 404


@pytest.fixture
def alpha_records(tenant_a, tenant_b):
    """Tenant A's records of every kind, all with the word "Hemmelig" (secret)."""
    org = gen_organisation(tenant_a.id, "Hemmelig Org ApS")
    contact = gen_contact(tenant_a.id, org, last_name="Hemmelig")
    return {
        "opportunity": gen_opportunity(tenant_a.id, "Hemmelig aftale", contact_id=contact,
                                        organisation_id=org),
        "campaign": gen_with_participants(Campaign, tenant_a.id, "Hemmelig kampagne",
                                           [contact]),
        "project": gen_with_participants(Project, tenant_a.id, "Hemmeligt projekt",
                                          [contact], organisation_id=org),
        "contact": contact, "organisation": org, "tenant": tenant_a.id,
    }


def test_other_tenant_sees_nothing_of_tenant_a(client, alpha_records):
    login(client, "admin@beta.example")
    for path in ("opportunity", "campaign", "project"):
        record = alpha_records[path]
        listed = [f"/admin/{path}/", f"/admin/{path}/?search=hemmelig",
                  f"/admin/{path}/export/csv/", f"/admin/{path}/export/xlsx/"]
        for url in listed:
            response = client.get(url)
            assert response.status_code == 200, url
            assert b"Hemmelig" not in response.data, url  # (the search box echoes "hemmelig")
        # the record's screens go back to the list: "record does not exist"
        for url in (f"/admin/{path}/details/?id={record}", f"/admin/{path}/edit/?id={record}"):
            response = client.get(url)
            assert (response.status_code, response.headers["Location"]) == (
                302, f"/admin/{path}/"), url
        client.post(f"/admin/{path}/delete/", data={"id": str(record)})
        client.post(f"/admin/{path}/edit/?id={record}",
                    data={"title": "Kapret", "name": "Kapret", "currency": "PLN",
                          "stage": "lost"})
    for path, name in (("opportunity", "contact"), ("opportunity", "organisation"),
                       ("campaign", "participants"), ("project", "participants"),
                       ("project", "organisation")):
        response = client.get(f"/admin/{path}/ajax/lookup/?name={name}&query=hemmelig")
        assert response.status_code == 200 and response.json == [], (path, name)
    db.session.expire_all()
    with tenant_context(alpha_records["tenant"]):
        assert db.session.get(Opportunity, alpha_records["opportunity"]).title == (
            "Hemmelig aftale")
        assert db.session.get(Campaign, alpha_records["campaign"]).name == "Hemmelig kampagne"
        assert db.session.get(Project, alpha_records["project"]).name == "Hemmeligt projekt"


def test_other_tenants_contact_cannot_be_chosen_by_id(client, alpha_records, tenant_b):
    login(client, "admin@beta.example")
    own = gen_contact(tenant_b.id, last_name="Kowalski")
    foreign = alpha_records["contact"]
    refusal = translated("Not a valid choice.", "pl")
    for path in ("campaign", "project"):
        response = client.post(f"/admin/{path}/new/",
                               data={"name": "Kampania", "participants": f"{own},{foreign}"})
        assert response.status_code == 200, path
        assert refusal in response.get_data(as_text=True)
    response = client.post("/admin/opportunity/new/", data={
        "title": "Okazja", "contact": str(foreign), "currency": "PLN", "stage": "prospect"})
    assert response.status_code == 200
    response = client.post("/admin/opportunity/new/", data={
        "title": "Okazja", "organisation": str(alpha_records["organisation"]),
        "currency": "PLN", "stage": "prospect"})
    assert response.status_code == 200
    for model in (Campaign, Project, Opportunity):
        assert records(model, tenant_b.id) == []
    # and with the own contact only, it works
    assert client.post("/admin/campaign/new/", data={
        "name": "Kampania", "participants": str(own)}).status_code == 302


@pytest.mark.parametrize("bad_id", ["abc", "-1", "99999999999", "1.5"])
def test_malformed_ids_name_nothing(admin_client, tenant_a, bad_id):
    for path in ("opportunity", "campaign", "project"):
        response = admin_client.get(f"/admin/{path}/details/?id={bad_id}")
        assert (response.status_code, response.headers["Location"]) == (302, f"/admin/{path}/")
    response = admin_client.post("/admin/campaign/new/",
                                 data={"name": "X", "participants": bad_id})
    assert response.status_code == 200  # refused, not an error page
    assert records(Campaign, tenant_a.id) == []


def test_operator_cannot_open_sales_screens(client, operator):
    login(client, operator.email)
    for path in ("opportunity", "campaign", "project"):
        assert client.get(f"/admin/{path}/").status_code == 403


# --- the contact's participation ------------------------------------------------------

def test_contact_details_list_what_the_contact_takes_part_in(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id, "Nordlys ApS")
    contact = gen_contact(tenant_a.id, org)
    other = gen_contact(tenant_a.id, last_name="Andersen")
    opportunity = gen_opportunity(tenant_a.id, "Serviceaftale", contact_id=contact,
                                   organisation_id=org, amount=Decimal(5000), stage="proposal")
    gen_opportunity(tenant_a.id, "Andens aftale", contact_id=other)
    campaign = gen_with_participants(Campaign, tenant_a.id, "Nyhedsbrev", [contact, other],
                                      starts_on=date(2026, 4, 1))
    project = gen_with_participants(Project, tenant_a.id, "Webshop", [contact])
    gen_with_participants(Project, tenant_a.id, "Andet projekt", [other])
    html = admin_client.get(f"/admin/contact/details/?id={contact}").get_data(as_text=True)
    assert f'href="/admin/opportunity/details/?id={opportunity}"' in html
    assert f'href="/admin/campaign/details/?id={campaign}"' in html
    assert f'href="/admin/project/details/?id={project}"' in html
    assert "5.000,00\xa0kr." in html and translated("Proposal") in html
    assert "Andens aftale" not in html and "Andet projekt" not in html


def test_contact_details_query_count_does_not_grow_with_participation(admin_client,
                                                                      tenant_a):
    contact = gen_contact(tenant_a.id)
    counts = []
    for batch in range(2):
        for index in range(1 + 5 * batch):
            org = gen_organisation(tenant_a.id, f"Org {batch}-{index}")
            gen_opportunity(tenant_a.id, f"O{batch}{index}", contact_id=contact,
                             organisation_id=org)
            gen_with_participants(Campaign, tenant_a.id, f"C{batch}{index}", [contact])
            gen_with_participants(Project, tenant_a.id, f"P{batch}{index}", [contact],
                                   organisation_id=gen_organisation(tenant_a.id, f"P{index}"))
        response, statements = warm_statements(admin_client,
                                               f"/admin/contact/details/?id={contact}")
        html = response.get_data(as_text=True)
        assert f"P{batch}{index}" in html
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_related_to_contact_service(tenant_a):
    contact = gen_contact(tenant_a.id)
    assert not sales.related_to_contact(contact)
    gen_with_participants(Campaign, tenant_a.id, "Old", [contact], starts_on=date(2025, 1, 1))
    gen_with_participants(Campaign, tenant_a.id, "New", [contact], starts_on=date(2026, 1, 1))
    gen_with_participants(Campaign, tenant_a.id, "Undated", [contact])
    with tenant_context(tenant_a.id):
        related = sales.related_to_contact(contact)
    assert [c.name for c in related.campaigns] == ["New", "Old", "Undated"]
    assert related.opportunities == [] and related.projects == []


# --- demo data ------------------------------------------------------------------------

def test_demo_filler(tenant_a):
    from app.demo.contacts import fill_contacts
    from app.demo.sales import fill_sales

    with tenant_context(tenant_a.id):
        tenant = settings.current_tenant()
        fill_contacts(tenant, "da_DK", 20)
        fill_sales(tenant, "da_DK", 20)
        db.session.commit()
        opportunities = list(db.session.scalars(select(Opportunity)))
        campaigns = list(db.session.scalars(select(Campaign)))
        projects = list(db.session.scalars(select(Project)))
        assert len(opportunities) >= 4 and campaigns and projects
        assert all(o.owner_id and o.currency in ("DKK", "EUR") for o in opportunities)
        assert all(o.organisation_id or o.contact_id for o in opportunities)
        for record in (*campaigns, *projects):
            assert record.participants and record.ends_on >= record.starts_on
            assert {c.tenant_id for c in record.participants} == {tenant_a.id}
