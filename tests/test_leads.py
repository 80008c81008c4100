"""Leads (B14): the intake URL, the lead list, accepting into a contact with a case,
rejecting with a reason, the intake token on the settings page, isolation, demo data."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Case, Contact, Employment, Lead, Organisation, Tenant
from app.models.lead import LEAD_ACCEPTED, LEAD_NEW, LEAD_REJECTED
from app.services.errors import ServiceError
from app.services.work import leads
from app.tenancy import all_tenants, tenant_context
from tests.conftest import (
    count_queries,
    csrf_token_from,
    filter_arg,
    intake,
    login,
    make_app,
)
from tests.factories import LEAD_FORM, gen_organisation, open_intake, set_settings

# --- helpers ------------------------------------------------------------------------


def intake_token(tenant_id: int) -> str | None:
    db.session.expire_all()
    with all_tenants():
        return db.session.get(Tenant, tenant_id).intake_token


def leads_of(tenant_id: int) -> list[Lead]:
    db.session.expire_all()  # requests ran in their own sessions: read afresh
    with tenant_context(tenant_id):
        return list(db.session.scalars(select(Lead).order_by(Lead.id)))


def count(tenant_id: int, model: type) -> int:
    db.session.expire_all()
    with tenant_context(tenant_id):
        return db.session.scalar(select(func.count()).select_from(model))


def make_lead(tenant_id: int, name: str = "Jens Hansen", **values) -> int:
    values.setdefault("email", "jens@nordlys.example")
    with tenant_context(tenant_id):
        lead = Lead(name=name, **values)
        db.session.add(lead)
        db.session.commit()
        return lead.id


def load_lead(tenant_id: int, lead_id: int) -> Lead:
    db.session.expire_all()
    with tenant_context(tenant_id):
        return db.session.get(Lead, lead_id)


# --- the intake URL -----------------------------------------------------------------

def test_intake_form_post_stores_the_lead_for_that_tenant_only(client, tenant_a, tenant_b):
    token = open_intake(tenant_a.id)
    response = intake(client, "alpha", token, data=LEAD_FORM)
    assert response.status_code == 201
    [lead] = leads_of(tenant_a.id)
    assert response.get_json() == {"id": lead.id}
    assert (lead.name, lead.company, lead.source) == ("Jens Hansen", "Nordlys ApS", "Hjemmeside")
    assert lead.email == "Jens@nordlys.example"  # the domain normalised
    assert lead.phone == "+4520123456"  # E.164, Danish by the tenant's language
    assert lead.status == LEAD_NEW and lead.received_at is not None
    assert leads_of(tenant_b.id) == []


def test_intake_accepts_json(client, tenant_a):
    token = open_intake(tenant_a.id)
    response = intake(client, "alpha", token, json={"name": "Anna Berg", "message": "Ring"})
    assert response.status_code == 201
    [lead] = leads_of(tenant_a.id)
    assert (lead.name, lead.message, lead.email) == ("Anna Berg", "Ring", None)


def test_intake_refuses_every_wrong_url_alike(client, tenant_a, tenant_b):
    token_a = open_intake(tenant_a.id)
    token_b = open_intake(tenant_b.id)
    attempts = [("alpha", "wrong"), ("alpha", token_b), ("alpha", None), ("alpha", ""),
                ("nosuchtenant", token_a), ("beta", token_a), ("alpha", token_a + "x")]
    bodies = set()
    for slug, token in attempts:
        response = intake(client, slug, token, data=LEAD_FORM)
        assert response.status_code == 403, (slug, token)
        bodies.add(response.get_data(as_text=True))
    assert len(bodies) == 1 and "error" in response.get_json()
    assert leads_of(tenant_a.id) == [] and leads_of(tenant_b.id) == []


def test_intake_closed_or_tenant_inactive_is_refused(client, tenant_a):
    # no token yet: closed, also for an empty token
    assert intake(client, "alpha", "", data=LEAD_FORM).status_code == 403
    token = open_intake(tenant_a.id)
    with all_tenants():
        db.session.get(Tenant, tenant_a.id).active = False
        db.session.commit()
    assert intake(client, "alpha", token, data=LEAD_FORM).status_code == 403
    assert leads_of(tenant_a.id) == []


@pytest.mark.parametrize(("values", "fields"), [
    ({**LEAD_FORM, "name": " "}, {"name"}),
    ({**LEAD_FORM, "email": "not-an-address"}, {"email"}),
    ({**LEAD_FORM, "phone": "12"}, {"phone"}),
    ({**LEAD_FORM, "name": "", "email": "x@", "company": "C" * 201}, {"name", "email", "company"}),
    ({**LEAD_FORM, "message": "m" * 10_001}, {"message"}),
])
def test_intake_refuses_bad_input_with_reasons(client, tenant_a, values, fields):
    token = open_intake(tenant_a.id)
    response = intake(client, "alpha", token, data=values)
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert set(errors) == fields and all(errors.values())
    assert leads_of(tenant_a.id) == []


def test_intake_refuses_json_that_is_not_text(client, tenant_a):
    token = open_intake(tenant_a.id)
    response = intake(client, "alpha", token, json={"name": ["Jens"], "email": 5})
    assert response.status_code == 400
    assert set(response.get_json()["errors"]) == {"name", "email"}
    assert intake(client, "alpha", token, json=["Jens"]).status_code == 400
    assert intake(client, "alpha", token, data="{", content_type="application/json"
                  ).status_code == 400
    assert leads_of(tenant_a.id) == []


def test_intake_needs_no_csrf_token_and_is_rate_limited(database_url, tenant_a):
    token = open_intake(tenant_a.id)
    app = make_app(database_url, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True,
                   INTAKE_RATE_LIMIT="2 per minute")
    client = app.test_client()
    for _ in range(2):
        assert intake(client, "alpha", token, data=LEAD_FORM).status_code == 201
    response = intake(client, "alpha", token, data=LEAD_FORM)
    assert response.status_code == 429 and "error" in response.get_json()
    assert len(leads_of(tenant_a.id)) == 2


# --- the intake token on the settings page ------------------------------------------

def test_admin_makes_and_replaces_the_intake_address(admin_client, tenant_a):
    page = admin_client.get("/admin/settings/").get_data(as_text=True)
    assert "/intake/alpha/lead" not in page
    assert admin_client.post("/admin/settings/intake/regenerate/").status_code == 302
    first = intake_token(tenant_a.id)
    assert first and len(first) >= 32
    page = admin_client.get("/admin/settings/").get_data(as_text=True)
    assert f"http://localhost/intake/alpha/lead?token={first}" in page
    admin_client.post("/admin/settings/intake/regenerate/")
    second = intake_token(tenant_a.id)
    assert second != first
    assert intake(admin_client, "alpha", first, data=LEAD_FORM).status_code == 403
    assert intake(admin_client, "alpha", second, data=LEAD_FORM).status_code == 201
    admin_client.post("/admin/settings/intake/close/")
    assert intake_token(tenant_a.id) is None
    assert intake(admin_client, "alpha", second, data=LEAD_FORM).status_code == 403


def test_users_cannot_see_or_change_the_intake_token(user_client, tenant_a):
    token = open_intake(tenant_a.id)
    for action in ("regenerate", "close"):
        assert user_client.post(f"/admin/settings/intake/{action}/").status_code == 403
    assert user_client.get("/admin/settings/").status_code == 403
    assert intake_token(tenant_a.id) == token


def test_intake_token_buttons_need_the_csrf_token(database_url, tenant_a):
    client = make_app(database_url, WTF_CSRF_ENABLED=True).test_client()
    login(client, "admin@alpha.example",
          csrf_token=csrf_token_from(client.get("/login").get_data(as_text=True)))
    assert client.post("/admin/settings/intake/regenerate/").status_code == 400
    assert intake_token(tenant_a.id) is None


# --- list, create, details ----------------------------------------------------------

def test_members_list_filter_and_sort_leads(user_client, tenant_a, tenant_b):
    make_lead(tenant_a.id, "Anna Berg", email="anna@x.example", source="Messe")
    make_lead(tenant_a.id, "Bo Dahl", email="bo@x.example", source="Hjemmeside",
              status=LEAD_REJECTED)
    make_lead(tenant_b.id, "Tajny Kowalski", email="t@k.example", source="Targi")
    html = user_client.get("/admin/lead/").get_data(as_text=True)
    assert "Anna Berg" in html and "Bo Dahl" in html and "Kowalski" not in html
    assert "Targi" not in html  # another tenant's source is no filter choice either
    status_filter = filter_arg(user_client.application, "lead", "status", "equals")
    html = user_client.get(f"/admin/lead/?{status_filter}=new").get_data(as_text=True)
    assert "Anna Berg" in html and "Bo Dahl" not in html
    html = user_client.get("/admin/lead/?sort=0").get_data(as_text=True)
    assert html.index("Anna Berg") < html.index("Bo Dahl")


def test_lead_list_query_count_is_fixed(admin_client, tenant_a):
    counts = []
    for batch in range(2):
        for index in range(5 + 10 * batch):
            make_lead(tenant_a.id, f"Lead {batch} {index}", email=f"{batch}-{index}@q.dk")
        with count_queries() as statements:
            assert admin_client.get("/admin/lead/?page_size=50").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_create_a_lead_by_hand(user_client, tenant_a):
    response = user_client.post("/admin/lead/new/", data=LEAD_FORM)
    assert response.status_code == 302
    [lead] = leads_of(tenant_a.id)
    assert lead.phone == "+4520123456" and lead.status == LEAD_NEW
    response = user_client.post("/admin/lead/new/", data={**LEAD_FORM, "email": "nope"})
    assert response.status_code == 200 and 'value="nope"' in response.get_data(as_text=True)
    assert len(leads_of(tenant_a.id)) == 1


def test_details_show_the_decision_buttons_only_while_new(admin_client, tenant_a):
    lead_id = make_lead(tenant_a.id)
    html = admin_client.get(f"/admin/lead/details/?id={lead_id}").get_data(as_text=True)
    assert f"/admin/lead/{lead_id}/accept/" in html and f"/admin/lead/{lead_id}/reject/" in html
    admin_client.post(f"/admin/lead/{lead_id}/accept/")
    html = admin_client.get(f"/admin/lead/details/?id={lead_id}").get_data(as_text=True)
    assert f"/admin/lead/{lead_id}/accept/" not in html and "Hansen" in html


# --- accepting ----------------------------------------------------------------------

def test_accept_creates_contact_organisation_and_case(admin_client, tenant_a):
    lead_id = make_lead(tenant_a.id, company="Nordlys ApS", phone="+4520123456",
                        message="\nTilbud på 20 licenser\nVenlig hilsen")
    response = admin_client.post(f"/admin/lead/{lead_id}/accept/")
    assert response.status_code == 302 and f"id={lead_id}" in response.headers["Location"]
    lead = load_lead(tenant_a.id, lead_id)
    with tenant_context(tenant_a.id):
        lead = db.session.get(Lead, lead_id)
        assert lead.status == LEAD_ACCEPTED
        assert lead.decided_by.email == "admin@alpha.example" and lead.decided_at
        contact, case = lead.contact, lead.case
        assert (contact.first_name, contact.last_name) == ("Jens", "Hansen")
        assert contact.email == "jens@nordlys.example" and contact.phone == "+4520123456"
        assert contact.kind == "company" and contact.organisation.name == "Nordlys ApS"
        assert case.title == "Tilbud på 20 licenser" and case.reference == 1
        assert case.primary_contact is contact and case.organisation is contact.organisation
        assert case.status == "open" and case.responsible_user.email == "admin@alpha.example"


def test_accept_finds_the_organisation_whatever_its_case(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id, "Nordlys ApS")
    lead_id = make_lead(tenant_a.id, company="NORDLYS aps")
    admin_client.post(f"/admin/lead/{lead_id}/accept/")
    with tenant_context(tenant_a.id):
        names = db.session.scalars(select(Organisation.name).where(
            Organisation.is_private_customers.is_(False))).all()
        assert names == ["Nordlys ApS"]
        assert db.session.get(Lead, lead_id).contact.organisation_id == org


def test_accept_without_company_makes_a_private_customer(admin_client, tenant_a):
    lead_id = make_lead(tenant_a.id, "Anna Maria Olsen", email="anna@privat.example")
    admin_client.post(f"/admin/lead/{lead_id}/accept/")
    with tenant_context(tenant_a.id):
        lead = db.session.get(Lead, lead_id)
        assert (lead.contact.first_name, lead.contact.last_name) == ("Anna Maria", "Olsen")
        assert lead.contact.kind == "private"
        assert lead.contact.primary_organisation.is_private_customers
        assert lead.case.title == "Lead: Anna Maria Olsen" or "Anna Maria Olsen" in lead.case.title


def test_accept_reuses_the_contact_with_the_same_email(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id, "Gammel ApS")
    with tenant_context(tenant_a.id):
        contact = Contact(first_name="Jens", last_name="Hansen", email="jens@nordlys.example",
                          employments=[Employment(organisation_id=org, is_primary=True)],
                          organisation_id=org)
        db.session.add(contact)
        db.session.commit()
        contact_id = contact.id
    lead_id = make_lead(tenant_a.id, "J. Hansen", email="JENS@NORDLYS.example",
                        company="Ny Virksomhed ApS")
    admin_client.post(f"/admin/lead/{lead_id}/accept/")
    assert count(tenant_a.id, Contact) == 1
    with tenant_context(tenant_a.id):
        lead = db.session.get(Lead, lead_id)
        assert lead.contact_id == contact_id and lead.case.primary_contact_id == contact_id


def test_accept_twice_or_after_rejecting_is_refused(admin_client, tenant_a):
    lead_id = make_lead(tenant_a.id)
    admin_client.post(f"/admin/lead/{lead_id}/accept/")
    response = admin_client.post(f"/admin/lead/{lead_id}/accept/", follow_redirects=True)
    assert "alert-danger" in response.get_data(as_text=True)
    assert count(tenant_a.id, Case) == 1 and count(tenant_a.id, Contact) == 1
    rejected = make_lead(tenant_a.id, "Bo Dahl", email="bo@x.example")
    admin_client.post(f"/admin/lead/{rejected}/reject/", data={"reason": "Spam"})
    admin_client.post(f"/admin/lead/{rejected}/accept/")
    assert load_lead(tenant_a.id, rejected).status == LEAD_REJECTED
    assert count(tenant_a.id, Case) == 1
    admin_client.post(f"/admin/lead/{lead_id}/reject/", data={"reason": "Spam"})
    assert load_lead(tenant_a.id, lead_id).status == LEAD_ACCEPTED


def test_a_lead_decided_meanwhile_is_not_decided_again(tenant_a):
    """Another transaction decides the lead after this one loaded it: the claim (the
    conditional UPDATE) changes no row, so nothing is made."""
    lead_id = make_lead(tenant_a.id, company="Nordlys ApS")
    with tenant_context(tenant_a.id):
        stale = db.session.get(Lead, lead_id)
        assert stale.status == LEAD_NEW
        with Session(db.engine) as other:
            other.execute(update(Lead).where(Lead.id == lead_id).values(status=LEAD_REJECTED))
            other.commit()
        with pytest.raises(ServiceError):
            leads.accept(stale, None)
        db.session.rollback()
    assert count(tenant_a.id, Case) == 0 and count(tenant_a.id, Contact) == 0
    assert count(tenant_a.id, Organisation) == 0


def test_concurrent_decisions_wait_for_each_other(app, tenant_a):
    """PostgreSQL: while another transaction holds the lead (it decided, not yet
    committed), accepting waits for it, then sees the lead decided and refuses."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time")
    lead_id = make_lead(tenant_a.id)
    outcome: dict[str, str] = {}

    def accept_elsewhere() -> None:
        with app.app_context(), tenant_context(tenant_a.id):
            try:
                leads.accept(db.session.get(Lead, lead_id), None)
                db.session.commit()
                outcome["result"] = "accepted"
            except ServiceError:
                db.session.rollback()
                outcome["result"] = "refused"
            finally:
                db.session.remove()

    with db.engine.connect() as holder:
        holder.execute(text("UPDATE lead SET status = 'rejected' WHERE id = :id"),
                       {"id": lead_id})
        worker = threading.Thread(target=accept_elsewhere)
        worker.start()
        worker.join(0.5)
        assert worker.is_alive()  # waiting for the row
        holder.commit()
    worker.join(10)
    assert outcome == {"result": "refused"}
    assert count(tenant_a.id, Case) == 0 and count(tenant_a.id, Contact) == 0


def test_a_refused_accept_leaves_nothing_half_made(admin_client, tenant_a):
    lead_id = make_lead(tenant_a.id, "Madonna", company="Pop ApS")  # no last name
    response = admin_client.post(f"/admin/lead/{lead_id}/accept/", follow_redirects=True)
    assert "alert-danger" in response.get_data(as_text=True)
    set_settings(tenant_a.id, email_required=True)
    no_email = make_lead(tenant_a.id, "Bo Dahl", email=None, company="Dahl ApS")
    admin_client.post(f"/admin/lead/{no_email}/accept/")
    for model in (Contact, Organisation, Case):
        assert count(tenant_a.id, model) == 0, model
    assert load_lead(tenant_a.id, lead_id).status == LEAD_NEW
    assert load_lead(tenant_a.id, no_email).status == LEAD_NEW
    with tenant_context(tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(Lead).where(
            Lead.case_id.is_not(None))) == 0


def test_users_accept_only_with_the_right_to_create_contacts(user_client, tenant_a):
    lead_id = make_lead(tenant_a.id)
    set_settings(tenant_a.id, users_edit_contacts=False)
    assert user_client.post(f"/admin/lead/{lead_id}/accept/").status_code == 403
    html = user_client.get(f"/admin/lead/details/?id={lead_id}").get_data(as_text=True)
    assert f"/admin/lead/{lead_id}/accept/" not in html
    set_settings(tenant_a.id, users_edit_contacts=True)
    assert user_client.post(f"/admin/lead/{lead_id}/accept/").status_code == 302
    assert load_lead(tenant_a.id, lead_id).status == LEAD_ACCEPTED


# --- rejecting ----------------------------------------------------------------------

def test_reject_needs_a_reason(user_client, tenant_a):
    lead_id = make_lead(tenant_a.id)
    assert user_client.get(f"/admin/lead/{lead_id}/reject/").status_code == 200
    response = user_client.post(f"/admin/lead/{lead_id}/reject/", data={"reason": "  "})
    assert response.status_code == 200 and "invalid-feedback" in response.get_data(as_text=True)
    assert load_lead(tenant_a.id, lead_id).status == LEAD_NEW
    response = user_client.post(f"/admin/lead/{lead_id}/reject/", data={"reason": "Spam"})
    assert response.status_code == 302
    lead = load_lead(tenant_a.id, lead_id)
    assert (lead.status, lead.reject_reason) == (LEAD_REJECTED, "Spam")
    assert lead.decided_by_id is not None and lead.contact_id is None
    assert count(tenant_a.id, Contact) == 0


# --- isolation ----------------------------------------------------------------------

def test_other_tenant_cannot_see_or_decide_a_lead(client, tenant_a, tenant_b):
    lead_id = make_lead(tenant_a.id, "Hemmelig Person", email="h@p.example")
    login(client, "admin@beta.example")
    for url in (f"/admin/lead/details/?id={lead_id}", f"/admin/lead/edit/?id={lead_id}",
                "/admin/lead/"):
        body = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert "Hemmelig" not in body, url
    assert client.post(f"/admin/lead/{lead_id}/accept/").status_code == 404
    assert client.get(f"/admin/lead/{lead_id}/reject/").status_code == 404
    assert client.post(f"/admin/lead/{lead_id}/reject/", data={"reason": "x"}).status_code == 404
    assert client.post("/admin/lead/99999999999/accept/").status_code == 404
    client.post(f"/admin/lead/edit/?id={lead_id}", data={**LEAD_FORM, "name": "Changed"})
    lead = load_lead(tenant_a.id, lead_id)
    assert (lead.status, lead.name) == (LEAD_NEW, "Hemmelig Person")
    for model in (Contact, Case):
        assert count(tenant_b.id, model) == 0 and count(tenant_a.id, model) == 0


# --- demo data ----------------------------------------------------------------------

def test_demo_filler_creates_leads(tenant_a):
    from app.demo.contacts import fill_contacts
    from app.demo.leads import fill_leads

    with tenant_context(tenant_a.id):
        tenant = db.session.get(Tenant, tenant_a.id)
        fill_contacts(tenant, "da_DK", 20)
        fill_leads(tenant, "da_DK", 40)
        db.session.commit()
        statuses = [lead.status for lead in db.session.scalars(select(Lead))]
        accepted = db.session.scalars(select(Lead).where(Lead.status == LEAD_ACCEPTED)).all()
    assert len(statuses) == 10 and LEAD_NEW in statuses
    assert all(lead.case_id and lead.contact_id for lead in accepted)
