"""The API's other records (/api/v1/): employments, tags, cases, tasks, activities
(with the privacy rules F1, F2), opportunities, campaigns, projects and the
dictionaries, through the same services as the screens: created, read, changed and
deleted; another tenant's ids are 404; edit rights as on the screens."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import DictionaryEntry
from app.models.dictionary import TASK_STATUS
from app.tenancy import tenant_context
from tests.conftest import user_id
from tests.factories import (
    bearer,
    gen_activity,
    gen_api_token,
    gen_contact,
    gen_organisation,
    set_settings,
)

API = "/api/v1"


@pytest.fixture
def people(tenant_a) -> dict[str, int]:
    organisation = gen_organisation(tenant_a.id, "Nordlys ApS")
    return {"organisation": organisation,
            "other_organisation": gen_organisation(tenant_a.id, "Solskin A/S"),
            "contact": gen_contact(tenant_a.id, organisation, "Anna", "Berg")}


# resource → (body of a new record, a change, what the changed record then answers)
ROUND_TRIPS = {
    "employments": (lambda p: {"contact_id": p["contact"],
                               "organisation_id": p["other_organisation"],
                               "title": " Konsulent "},
                    {"title": "Chef"}, {"title": "Chef", "is_current": True}),
    "tags": (lambda p: {"name": "VIP", "colour": "#ff0000"},
             {"colour": "#00ff00"}, {"name": "VIP", "colour": "#00ff00"}),
    "cases": (lambda p: {"title": "Reklamation", "primary_contact_id": p["contact"]},
              {"status": "closed"}, {"status": "closed", "title": "Reklamation"}),
    "tasks": (lambda p: {"title": "Ring tilbage", "contact_id": p["contact"]},
              {"title": "Ring igen"}, {"title": "Ring igen", "completed_at": None}),
    "activities": (lambda p: {"kind": "meeting", "subject": "Møde",
                              "organisation_id": p["organisation"],
                              "contact_ids": [p["contact"]], "location": "Aarhus"},
                   {"subject": "Nyt møde"}, {"subject": "Nyt møde", "location": "Aarhus"}),
    "opportunities": (lambda p: {"title": "Licens", "amount": 1000.5,
                                 "contact_id": p["contact"]},
                      {"stage": "won"}, {"stage": "won", "amount": 1000.5}),
    "campaigns": (lambda p: {"name": "Forår", "participant_ids": [p["contact"]]},
                  {"name": "Sommer"}, {"name": "Sommer"}),
    "projects": (lambda p: {"name": "Udrulning", "organisation_id": p["organisation"]},
                 {"participant_ids": []}, {"participant_ids": []}),
}


@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_records_are_created_read_changed_listed_and_deleted(client, tenant_a, people, name):
    body, change, changed = ROUND_TRIPS[name]
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    created = client.post(f"{API}/{name}", json=body(people), headers=bearer(token))
    assert created.status_code == 201, created.json
    number = created.json["id"]
    assert created.headers["Location"].endswith(f"{API}/{name}/{number}")
    read = client.get(f"{API}/{name}/{number}", headers=bearer(token))
    assert read.status_code == 200
    assert read.json == created.json
    patched = client.patch(f"{API}/{name}/{number}", json=change,
                           headers={**bearer(token), "If-Match": read.headers["ETag"]})
    assert patched.status_code == 200, patched.json
    assert {key: patched.json[key] for key in changed} == changed
    listed = client.get(f"{API}/{name}", headers=bearer(token))
    assert listed.status_code == 200
    assert number in [item["id"] for item in listed.json["items"]]
    assert client.delete(f"{API}/{name}/{number}", headers=bearer(token)).status_code == 204
    assert client.get(f"{API}/{name}/{number}", headers=bearer(token)).status_code == 404


def test_the_screens_rules_fill_in_and_refuse(client, tenant_a, people):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    me = user_id(tenant_a.id, "user@alpha.example")
    case = client.post(f"{API}/cases", headers=bearer(token), json={
        "title": "Fejl", "primary_contact_id": people["contact"],
        "secondary_contact_ids": [people["contact"]]}).json
    assert case["organisation_id"] == people["organisation"]  # the primary contact's
    assert case["responsible_user_id"] == me and case["reference"] >= 1
    assert case["secondary_contact_ids"] == [people["contact"]]
    opportunity = client.post(f"{API}/opportunities", headers=bearer(token), json={
        "title": "Aftale", "contact_id": people["contact"]}).json
    assert opportunity["currency"] == "DKK" and opportunity["owner_id"] == me
    assert client.post(f"{API}/tags", json={"name": "VIP"}, headers=bearer(token)).status_code \
        == 201
    refusals = {
        "employments": ({"contact_id": people["contact"],
                         "organisation_id": people["organisation"]}, "contact_id"),
        "tags": ({"name": "vip"}, "name"),  # the same name, whatever its case
        "activities": ({"kind": "call", "subject": "Opkald",
                        "organisation_id": people["other_organisation"],
                        "contact_ids": [people["contact"]]}, "contacts"),
        "opportunities": ({"title": "Minus", "amount": -1}, "amount"),
        "campaigns": ({"name": "Bagvendt", "starts_on": "2025-05-02",
                       "ends_on": "2025-05-01"}, "ends_on"),
        "cases": ({"title": "Ingen", "primary_contact_id": 999_999}, "primary_contact_id"),
    }
    for name, (body, field) in refusals.items():
        response = client.post(f"{API}/{name}", json=body, headers=bearer(token))
        assert response.status_code == 422, (name, response.json)
        assert field in response.json["fields"], (name, response.json)


def test_a_task_takes_its_status_from_the_dictionary(client, tenant_a):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    listed = client.get(f"{API}/dictionaries", query_string={"dictionary": TASK_STATUS},
                        headers=bearer(token))
    assert listed.status_code == 200
    statuses = listed.json["items"]
    done = next(entry for entry in statuses if entry["is_done"])
    assert done["label"] and done["dictionary"] == TASK_STATUS
    assert client.get(f"{API}/dictionaries/{done['id']}",
                      headers=bearer(token)).json == done
    task = client.post(f"{API}/tasks", json={"title": "Send tilbud"},
                       headers=bearer(token)).json
    assert task["status_id"] == statuses[0]["id"]  # the first status by default
    closed = client.patch(f"{API}/tasks/{task['id']}", json={"status_id": done["id"]},
                          headers=bearer(token))
    assert closed.json["completed_at"] is not None
    assert client.get(f"{API}/tasks", query_string={"open": "true"},
                      headers=bearer(token)).json["items"] == []
    with tenant_context(tenant_a.id):
        priority = db.session.scalar(select(DictionaryEntry.id).where(
            DictionaryEntry.dictionary != TASK_STATUS))
    wrong = client.patch(f"{API}/tasks/{task['id']}", json={"status_id": priority},
                         headers=bearer(token))
    assert wrong.status_code == 422  # an entry of another dictionary


def test_dictionaries_are_read_only(client, tenant_a):
    token = gen_api_token(tenant_a.id, "admin@alpha.example")
    entry = client.get(f"{API}/dictionaries", headers=bearer(token)).json["items"][0]
    assert client.post(f"{API}/dictionaries", json={}, headers=bearer(token)).status_code == 405
    for method in ("PATCH", "DELETE"):
        response = client.open(f"{API}/dictionaries/{entry['id']}", method=method, json={},
                               headers=bearer(token))
        assert response.status_code == 405


# --- tenants and rights -------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_another_tenant_s_records_are_404_and_not_named(client, tenant_a, tenant_b, people,
                                                        name):
    body, change, _changed = ROUND_TRIPS[name]
    own = gen_api_token(tenant_a.id, "admin@alpha.example")
    number = client.post(f"{API}/{name}", json=body(people), headers=bearer(own)).json["id"]
    other = gen_api_token(tenant_b.id, "admin@beta.example")
    for method in ("GET", "PATCH", "DELETE"):
        response = client.open(f"{API}/{name}/{number}", method=method,
                               json=change if method == "PATCH" else None,
                               headers=bearer(other))
        assert response.status_code == 404, method
        assert response.json["code"] == "not_found"
    assert client.get(f"{API}/{name}", headers=bearer(other)).json["items"] == [] or \
        name == "tags"  # tenant B's tags are its own
    if name != "tags":  # the others name tenant A's records, which B's token cannot
        assert client.post(f"{API}/{name}", json=body(people),
                           headers=bearer(other)).status_code == 422
    assert client.get(f"{API}/{name}/{number}", headers=bearer(own)).status_code == 200


def test_employments_and_tags_follow_the_edit_rights(client, tenant_a, people):
    set_settings(tenant_a.id, users_edit_contacts=False, users_edit_organisations=False)
    user = gen_api_token(tenant_a.id, "user@alpha.example")
    admin = gen_api_token(tenant_a.id, "admin@alpha.example")
    for name in ("employments", "tags"):
        body = ROUND_TRIPS[name][0](people)
        number = client.post(f"{API}/{name}", json=body, headers=bearer(admin)).json["id"]
        for method, url, json in (("POST", f"{API}/{name}", body),
                                  ("PATCH", f"{API}/{name}/{number}", {}),
                                  ("DELETE", f"{API}/{name}/{number}", None)):
            response = client.open(url, method=method, json=json, headers=bearer(user))
            assert response.status_code == 403, (method, url)
            assert response.json["code"] == "forbidden"
        assert client.get(f"{API}/{name}/{number}", headers=bearer(user)).status_code == 200
    # tags are the users' again when they may edit organisations (as on the tag screen)
    set_settings(tenant_a.id, users_edit_organisations=True)
    assert client.post(f"{API}/tags", json={"name": "Ny"}, headers=bearer(user)).status_code \
        == 201
    # cases, tasks, activities and sales records are every member's, as on the screens
    assert client.post(f"{API}/cases", headers=bearer(user), json={
        "title": "Frit", "primary_contact_id": people["contact"]}).status_code == 201


def test_deleting_the_primary_employment_moves_the_primary_organisation(client, tenant_a,
                                                                       people):
    token = gen_api_token(tenant_a.id, "admin@alpha.example")
    contact = people["contact"]
    added = client.post(f"{API}/employments", headers=bearer(token), json={
        "contact_id": contact, "organisation_id": people["other_organisation"]}).json
    first = client.get(f"{API}/employments", query_string={"contact": contact},
                       headers=bearer(token)).json["items"]
    assert {e["id"] for e in first} == {added["id"], next(
        e["id"] for e in first if e["organisation_id"] == people["organisation"])}
    primary = next(e for e in first if e["is_primary"])
    assert client.delete(f"{API}/employments/{primary['id']}",
                         headers=bearer(token)).status_code == 204
    answered = client.get(f"{API}/contacts/{contact}", headers=bearer(token)).json
    assert answered["organisation_id"] == added["organisation_id"]


# --- activities: privacy (F1, F2), completed, planned ----------------------------------------

def test_a_restricted_contact_s_e_mails_are_404_for_users(client, tenant_a):
    organisation = gen_organisation(tenant_a.id)
    contact = gen_contact(tenant_a.id, organisation, email_access_restricted=True)
    mail = gen_activity(tenant_a.id, organisation, [contact], kind="email", subject="Løn")
    call = gen_activity(tenant_a.id, organisation, [contact], kind="call", subject="Opkald")
    user = gen_api_token(tenant_a.id, "user@alpha.example")
    admin = gen_api_token(tenant_a.id, "admin@alpha.example")
    for method in ("GET", "PATCH", "DELETE"):
        response = client.open(f"{API}/activities/{mail}", method=method,
                               json={} if method == "PATCH" else None, headers=bearer(user))
        assert response.status_code == 404, method
    listed = client.get(f"{API}/activities", query_string={"search": "Løn"},
                        headers=bearer(user)).json["items"]
    assert listed == []
    assert [a["id"] for a in client.get(f"{API}/activities", query_string={
        "contact": contact}, headers=bearer(user)).json["items"]] == [call]
    read = client.get(f"{API}/activities/{mail}", headers=bearer(admin))
    assert read.status_code == 200 and read.json["subject"] == "Løn"


def test_a_private_customer_s_notes_are_for_admins_and_the_responsible_user(
        client, tenant_a):
    organisation = gen_organisation(tenant_a.id)
    admin_id = user_id(tenant_a.id, "admin@alpha.example")
    contact = gen_contact(tenant_a.id, organisation, is_private=True,
                          responsible_user_id=admin_id)
    note = gen_activity(tenant_a.id, organisation, [contact], kind="note", subject="Helbred",
                        body="Helbred")
    user = gen_api_token(tenant_a.id, "user@alpha.example")
    assert client.get(f"{API}/activities/{note}", headers=bearer(user)).status_code == 404
    assert client.get(f"{API}/activities", headers=bearer(user)).json["items"] == []
    admin = gen_api_token(tenant_a.id, "admin@alpha.example")
    assert client.get(f"{API}/activities/{note}", headers=bearer(admin)).status_code == 200
    with tenant_context(tenant_a.id):
        from app.models import Contact

        db.session.get(Contact, contact).responsible_user_id = user_id(
            tenant_a.id, "user@alpha.example")
        db.session.commit()
    assert client.get(f"{API}/activities/{note}", headers=bearer(user)).status_code == 200


def test_a_completed_activity_is_neither_changed_nor_deleted(client, tenant_a, people):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    planned = client.post(f"{API}/activities", headers=bearer(token), json={
        "kind": "call", "subject": "Opfølgning", "planned": True,
        "organisation_id": people["organisation"], "contact_ids": [people["contact"]]}).json
    assert planned["employee_id"] == user_id(tenant_a.id, "user@alpha.example")
    still = client.get(f"{API}/activities", query_string={"planned": "true"},
                       headers=bearer(token)).json["items"]
    assert [a["id"] for a in still] == [planned["id"]]
    done = client.patch(f"{API}/activities/{planned['id']}", json={"completed": True},
                        headers=bearer(token))
    assert done.status_code == 200
    assert client.get(f"{API}/activities", query_string={"planned": "true"},
                      headers=bearer(token)).json["items"] == []
    for method in ("PATCH", "DELETE"):
        response = client.open(f"{API}/activities/{planned['id']}", method=method,
                               json={"subject": "Ændret"} if method == "PATCH" else None,
                               headers=bearer(token))
        assert response.status_code == 422, method


# --- activities: the next contact planned as the screens plan it ----------------------------

def new_activity(client, token: str, people: dict[str, int], **values):
    return client.post(f"{API}/activities", headers=bearer(token), json={
        "kind": "meeting", "subject": "Møde", "starts_at": "2027-03-10T09:30:00Z",
        "organisation_id": people["organisation"], "contact_ids": [people["contact"]],
        "location": "Aarhus", **values})


@pytest.mark.parametrize(("follow_up", "starts_at"), [
    ({"in": 3, "unit": "days"}, "2027-03-13T09:30:00+00:00"),
    ({"in": 2}, "2027-03-12T09:30:00+00:00"),  # days by default
    ({"in": 5, "unit": "hours"}, "2027-03-10T14:30:00+00:00"),
    # 10:30 in Copenhagen (CET); on 1 April, after the change to summer time, still 10:30
    ({"on": "2027-04-01"}, "2027-04-01T08:30:00+00:00"),
    ({"at": "2027-04-01T08:00:00Z"}, "2027-04-01T08:00:00+00:00"),
    ({"at": "2027-04-01T08:00:00"}, "2027-04-01T08:00:00+00:00"),  # no offset: UTC
])
def test_an_activity_made_by_the_api_plans_its_next_contact(client, tenant_a, people,
                                                            follow_up, starts_at):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    made = new_activity(client, token, people, follow_up=follow_up)
    assert made.status_code == 201, made.json
    assert "follow_up" not in made.json and made.json["follow_up_id"] is not None
    planned = client.get(f"{API}/activities/{made.json['follow_up_id']}",
                         headers=bearer(token)).json
    assert planned["starts_at"] == starts_at
    assert (planned["kind"], planned["subject"], planned["planned"], planned["location"]) \
        == ("meeting", "Møde", True, "Aarhus")
    assert planned["organisation_id"] == people["organisation"]
    assert planned["contact_ids"] == [people["contact"]]
    assert planned["employee_id"] == user_id(tenant_a.id, "user@alpha.example")
    assert planned["follow_up_id"] is None


def test_a_change_by_the_api_plans_the_next_contact_too(client, tenant_a, people):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    made = new_activity(client, token, people).json
    assert made["follow_up_id"] is None
    changed = client.patch(f"{API}/activities/{made['id']}", headers=bearer(token),
                           json={"subject": "Møde 2", "follow_up": {"in": 1, "unit": "weeks"}})
    assert changed.status_code == 200, changed.json
    planned = client.get(f"{API}/activities/{changed.json['follow_up_id']}",
                         headers=bearer(token)).json
    assert (planned["subject"], planned["starts_at"]) == ("Møde 2", "2027-03-17T09:30:00+00:00")
    unchanged = client.patch(f"{API}/activities/{made['id']}", headers=bearer(token),
                             json={"follow_up": None})
    assert unchanged.json["follow_up_id"] == changed.json["follow_up_id"]  # none planned


@pytest.mark.parametrize(("follow_up", "field", "message"), [
    ({"in": 0}, "follow_up.in", "Tallet er uden for det tilladte område."),
    ({"in": 2, "unit": "months"}, "follow_up.unit", "Ikke et gyldigt valg."),
    ({"in": 2, "on": "2027-04-01"}, "follow_up.in",
     "Angiv enten et antal timer, dage eller uger eller en dato."),
    ({}, "follow_up.in", "Angiv enten et antal timer, dage eller uger eller en dato."),
    ({"on": "1800-01-01"}, "follow_up.on", "Angiv en dato mellem år"),
    ({"on": "i morgen"}, "follow_up.on", "Angiv en dato som ÅÅÅÅ-MM-DD."),
    ({"in": "2"}, "follow_up.in", "Angiv et heltal."),
    ({"after": 2}, "follow_up.after", "Feltet findes ikke."),
])
def test_a_follow_up_refused_is_a_translated_422_and_nothing_is_saved(
        client, tenant_a, people, follow_up, field, message):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    refused = new_activity(client, token, people, follow_up=follow_up)
    assert refused.status_code == 422, refused.json
    assert list(refused.json["fields"]) == [field]
    assert refused.json["fields"][field][0].startswith(message)
    assert client.get(f"{API}/activities", headers=bearer(token)).json["items"] == []


def test_a_follow_up_refusal_speaks_the_callers_language(client, tenant_a, people):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    refused = client.post(f"{API}/activities", json={
        "kind": "call", "organisation_id": people["organisation"],
        "contact_ids": [people["contact"]], "follow_up": {"in": 1, "on": "2027-04-01"}},
        headers=bearer(token, **{"Accept-Language": "pl"}))
    assert refused.json["fields"] == {
        "follow_up.in": ["Podaj liczbę godzin, dni lub tygodni albo datę."]}


def test_a_follow_up_stays_in_its_tenant(client, tenant_a, tenant_b, people):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    other = gen_api_token(tenant_b.id, "user@beta.example")
    made = new_activity(client, token, people, follow_up={"in": 1}).json
    planned_id = made["follow_up_id"]
    assert client.get(f"{API}/activities/{planned_id}", headers=bearer(other)).status_code == 404
    assert client.get(f"{API}/activities", headers=bearer(other)).json["items"] == []
    # another tenant's activity cannot be made to plan one
    refused = client.patch(f"{API}/activities/{made['id']}", headers=bearer(other),
                           json={"follow_up": {"in": 2}})
    assert refused.status_code == 404
    listed = client.get(f"{API}/activities", query_string={"planned": "true"},
                        headers=bearer(token)).json["items"]
    assert [a["id"] for a in listed] == [planned_id]


def test_the_openapi_document_describes_the_follow_up(client):
    document = client.get(f"{API}/openapi.json").json
    schemas = document["components"]["schemas"]
    follow_up = schemas["FollowUp"]
    assert set(follow_up["properties"]) == {"in", "unit", "on", "at"}
    assert follow_up["properties"]["unit"]["enum"][:3] == ["hours", "days", "weeks"]
    activity = schemas["Activity"]["properties"]
    assert activity["follow_up"].get("writeOnly") is True
    assert activity["follow_up_id"].get("readOnly") is True
