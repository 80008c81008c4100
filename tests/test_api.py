"""The JSON API (/api/v1/): tokens, acting as the token's user (tenant, edit rights,
history, language), contacts and organisations through the services, lists with
filters, search and cursor pages, idempotent POSTs, ETags and the bulk upsert."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import ApiToken, AuditEntry, Contact, Organisation
from app.tenancy import tenant_context
from tests.conftest import make_app, reload, user_id
from tests.factories import (
    FIELDS,
    bearer,
    gen_api_token,
    gen_contact,
    gen_fields,
    gen_organisation,
    set_settings,
)

API = "/api/v1"


# --- tokens ---------------------------------------------------------------------------

def test_the_openapi_document_needs_no_token(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/contacts", "/api/v1/contacts/{number}", "/api/v1/contacts:upsert",
            "/api/v1/organisations", "/api/v1/fields"} <= set(document["paths"])
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_no_token_a_wrong_one_or_a_revoked_one_is_401_json(client, tenant_a):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    for headers in ({}, bearer("kcrm_not-a-token"), {"Authorization": f"Basic {token}"}):
        response = client.get(f"{API}/contacts", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get(f"{API}/contacts", headers=bearer(token)).status_code == 200
    with tenant_context(tenant_a.id):
        db.session.delete(db.session.scalar(select(ApiToken)))
        db.session.commit()
    assert client.get(f"{API}/contacts", headers=bearer(token)).status_code == 401


def test_a_deactivated_user_s_token_stops_working(client, tenant_a):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    with tenant_context(tenant_a.id):
        from app.models import User

        db.session.get(User, user_id(tenant_a.id, "user@alpha.example")).active = False
        db.session.commit()
    assert client.get(f"{API}/contacts", headers=bearer(token)).status_code == 401


def test_a_session_is_no_login_for_the_api_and_it_sets_no_cookie(admin_client, tenant_a):
    response = admin_client.get(f"{API}/contacts")
    assert response.status_code == 401
    token = gen_api_token(tenant_a.id, "admin@alpha.example")
    response = admin_client.post(f"{API}/organisations", json={"name": "Ingen cookie A/S"},
                                 headers=bearer(token))
    assert response.status_code == 201  # no CSRF token needed: no cookie is read
    assert "Set-Cookie" not in response.headers


def test_tokens_are_made_listed_by_prefix_and_revoked_on_the_page(admin_client, tenant_a):
    page = admin_client.post("/admin/api-tokens/", data={"name": "ERP sync"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    with tenant_context(tenant_a.id):
        record = db.session.scalar(select(ApiToken))
        prefix, token_id = record.prefix, record.id
    start = html.index('id="new-api-token">') + len('id="new-api-token">')
    token = html[start:html.index("</code>", start)]
    assert token.startswith(prefix) and len(token) > 40
    assert admin_client.get(f"{API}/contacts", headers=bearer(token)).status_code == 200
    listing = admin_client.get("/admin/api-tokens/").get_data(as_text=True)
    assert prefix in listing and token not in listing and "ERP sync" in listing
    revoked = admin_client.post("/admin/api-tokens/revoke/", data={"token_id": token_id})
    assert revoked.status_code == 302
    assert admin_client.get(f"{API}/contacts", headers=bearer(token)).status_code == 401


def test_the_cli_prints_a_token_once(app, tenant_a):
    result = app.test_cli_runner().invoke(
        args=["crm", "create-token", "--email", "user@alpha.example", "--name", "Shop"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    with tenant_context(tenant_a.id):
        record = db.session.scalar(select(ApiToken))
        assert record.name == "Shop" and token.startswith(record.prefix)
        assert token not in (record.secret_hash, record.prefix)
    db.session.remove()
    assert app.test_client().get(f"{API}/contacts", headers=bearer(token)).status_code == 200
    wrong = app.test_cli_runner().invoke(args=["crm", "create-token", "--email", "x@y.z"])
    assert wrong.exit_code != 0


# --- acting as the user ---------------------------------------------------------------

def test_another_tenant_s_ids_are_404_on_every_url(client, tenant_a, tenant_b):
    organisation = gen_organisation(tenant_a.id)
    contact = gen_contact(tenant_a.id, organisation)
    token = gen_api_token(tenant_b.id, "admin@beta.example")
    for url in (f"{API}/contacts/{contact}", f"{API}/organisations/{organisation}"):
        for method in ("GET", "PATCH", "DELETE"):
            response = client.open(url, method=method, json={} if method == "PATCH" else None,
                                   headers=bearer(token))
            assert response.status_code == 404, (method, url)
            assert response.get_json()["code"] == "not_found"
    listing = client.get(f"{API}/contacts", headers=bearer(token)).get_json()
    assert listing["items"] == []
    refused = client.post(f"{API}/contacts", headers=bearer(token), json={
        "first_name": "Anna", "last_name": "Berg", "organisation_id": organisation})
    assert refused.status_code == 422
    assert "organisation_id" in refused.get_json()["fields"]
    assert reload(Contact, tenant_a.id, contact) is not None


def test_the_history_records_the_token_s_user(client, tenant_a):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    response = client.post(f"{API}/organisations", json={"name": "Historik ApS"},
                           headers=bearer(token))
    assert response.status_code == 201
    with tenant_context(tenant_a.id):
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.entity == "organisation", AuditEntry.record_id == response.json["id"]))
        assert entry.user_id == user_id(tenant_a.id, "user@alpha.example")


def test_edit_rights_are_the_user_s(client, tenant_a):
    set_settings(tenant_a.id, users_edit_contacts=False)
    user = gen_api_token(tenant_a.id, "user@alpha.example")
    admin = gen_api_token(tenant_a.id, "admin@alpha.example")
    organisation = gen_organisation(tenant_a.id)
    contact = gen_contact(tenant_a.id, organisation)
    body = {"first_name": "Anna", "last_name": "Berg", "organisation_id": organisation}
    for method, url, json in (("POST", f"{API}/contacts", body),
                              ("PATCH", f"{API}/contacts/{contact}", {"job_title": "CEO"}),
                              ("DELETE", f"{API}/contacts/{contact}", None),
                              ("POST", f"{API}/contacts:upsert", {"items": [body]})):
        response = client.open(url, method=method, json=json, headers=bearer(user))
        assert response.status_code == 403, (method, url)
        assert response.get_json()["code"] == "forbidden"
    assert client.get(f"{API}/contacts/{contact}", headers=bearer(user)).status_code == 200
    assert client.patch(f"{API}/contacts/{contact}", json={"job_title": "CEO"},
                        headers=bearer(admin)).status_code == 200
    # organisations are still the users' to edit
    assert client.post(f"{API}/organisations", json={"name": "Frit ApS"},
                       headers=bearer(user)).status_code == 201


def test_refusals_are_422_with_translated_field_messages(client, tenant_a):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    gen_contact(tenant_a.id, gen_organisation(tenant_a.id), email="taken@example.com")
    body = {"first_name": "Anna", "last_name": "Berg", "email": "taken@example.com",
            "kind": "private"}
    english = client.post(f"{API}/contacts", json=body,
                          headers=bearer(token, **{"Accept-Language": "en"}))
    assert english.status_code == 422
    assert english.json["code"] == "refused"
    assert "email" in english.json["fields"]
    danish = client.post(f"{API}/contacts", json=body, headers=bearer(token))  # tenant: da
    assert danish.json["fields"]["email"] != english.json["fields"]["email"]
    polish = client.post(f"{API}/contacts", json={"last_name": 5},
                         headers=bearer(token, **{"Accept-Language": "pl"}))
    assert polish.status_code == 422 and polish.json["code"] == "invalid"
    assert set(polish.json["fields"]) == {"first_name", "last_name"}
    assert polish.json["fields"]["first_name"] == ["To pole jest wymagane."]


# --- contacts and organisations -------------------------------------------------------

def test_contacts_are_created_read_changed_and_deleted(client, tenant_a):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    organisation = gen_organisation(tenant_a.id, "Fjordkraft A/S")
    created = client.post(f"{API}/contacts", headers=bearer(token), json={
        "first_name": " Anna ", "last_name": "Berg", "email": "anna@fjord.dk",
        "phone": "+45 33 12 34 56", "organisation_id": organisation, "tags": ["VIP", "Nyhed"],
        "national_id": "010190-1234", "national_id_country": "DK",
        "external_ids": {"erp": "C-1"}})
    assert created.status_code == 201, created.json
    contact = created.json
    assert contact["first_name"] == "Anna"  # the service's normalising
    assert contact["phone"] == "+4533123456"
    assert contact["organisation_id"] == organisation
    assert contact["tags"] == ["Nyhed", "VIP"]
    assert contact["national_id"] != "010190-1234"  # masked
    assert contact["external_ids"] == {"erp": "C-1"}
    assert created.headers["Location"].endswith(f"/api/v1/contacts/{contact['id']}")
    url = f"{API}/contacts/{contact['id']}"
    read = client.get(url, headers=bearer(token))
    assert read.json == contact and read.headers["ETag"] == created.headers["ETag"]
    changed = client.patch(url, json={"job_title": "CFO", "tags": ["VIP"]},
                           headers=bearer(token))
    assert changed.status_code == 200
    assert changed.json["job_title"] == "CFO" and changed.json["tags"] == ["VIP"]
    assert changed.json["email"] == "anna@fjord.dk"  # what was not sent is kept
    assert client.delete(url, headers=bearer(token)).status_code == 204
    assert client.get(url, headers=bearer(token)).status_code == 404


def test_an_organisation_in_use_is_not_deleted(client, tenant_a):
    token = gen_api_token(tenant_a.id, "admin@alpha.example")
    organisation = gen_organisation(tenant_a.id)
    gen_contact(tenant_a.id, organisation)
    response = client.delete(f"{API}/organisations/{organisation}", headers=bearer(token))
    assert response.status_code == 422 and response.json["code"] == "refused"
    assert reload(Organisation, tenant_a.id, organisation) is not None


def test_configurable_fields_are_described_and_kept_under_custom(client, tenant_a):
    gen_fields(tenant_a.id, visits=FIELDS["visits"], level=FIELDS["level"])
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    described = client.get(f"{API}/fields?entity=contact", headers=bearer(token)).json
    by_key = {item["key"]: item for item in described["items"]}
    assert by_key["visits"]["type"] == "integer"
    assert [c["label"] for c in by_key["level"]["choices"]] == ["Gold (da)", "Silver (da)"]
    level = by_key["level"]["choices"][0]["key"]
    organisation = gen_organisation(tenant_a.id)
    body = {"first_name": "Anna", "last_name": "Berg", "organisation_id": organisation,
            "email": "anna@berg.dk", "custom": {"visits": 3, "level": level}}
    created = client.post(f"{API}/contacts", json=body, headers=bearer(token))
    assert created.status_code == 201, created.json
    assert created.json["custom"] == {"visits": 3, "level": level}
    refused = client.patch(f"{API}/contacts/{created.json['id']}",
                           json={"custom": {"visits": 5000, "unknown": 1}},
                           headers=bearer(token, **{"Accept-Language": "en"}))
    assert refused.status_code == 422
    assert set(refused.json["fields"]) == {"custom.unknown"}
    refused = client.patch(f"{API}/contacts/{created.json['id']}",
                           json={"custom": {"visits": 5000}},
                           headers=bearer(token, **{"Accept-Language": "en"}))
    assert refused.json["fields"] == {"custom.visits": ["Enter a number from 0 to 1,000."]}


# --- lists ----------------------------------------------------------------------------

def test_lists_page_by_cursor_in_any_sort(client, tenant_a):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    organisation = gen_organisation(tenant_a.id)
    names = ["Ærø", "Berg", "Dahl", "Berg", "Andersen", "Øst", "Clausen"]
    for number, last_name in enumerate(names):
        gen_contact(tenant_a.id, organisation, f"P{number}", last_name)
    for sort in ("last_name", "-last_name", "id", "-created_at", "first_name"):
        seen, cursor = [], None
        while True:
            query = {"sort": sort, "limit": 3, **({"cursor": cursor} if cursor else {})}
            page = client.get(f"{API}/contacts", query_string=query, headers=bearer(token))
            assert page.status_code == 200, page.json
            seen += [(item["last_name"], item["id"]) for item in page.json["items"]]
            cursor = page.json["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(names) and len(set(seen)) == len(names), sort
    bad = client.get(f"{API}/contacts", query_string={"cursor": "bm9wZQ"},
                     headers=bearer(token))
    assert bad.status_code == 400 and bad.json["code"] == "invalid_cursor"


def test_lists_filter_and_search_as_the_screens_do(client, tenant_a):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    north = gen_organisation(tenant_a.id, "Nord ApS")
    south = gen_organisation(tenant_a.id, "Syd ApS")
    gen_contact(tenant_a.id, north, "Søren", "Østergaard", phone="+4512345678")
    gen_contact(tenant_a.id, south, "Anna", "Berg")
    client.patch(f"{API}/organisations/{south}", json={"tags": ["Kunde"]},
                 headers=bearer(token))

    def names(path: str, **query) -> list[str]:
        response = client.get(f"{API}/{path}", query_string=query, headers=bearer(token))
        assert response.status_code == 200, response.json
        return [item.get("last_name") or item.get("name") for item in response.json["items"]]

    assert names("contacts", search="østerg") == ["Østergaard"]
    assert names("contacts", search="12 34 56") == ["Østergaard"]  # phone digits
    assert names("contacts", organisation=south) == ["Berg"]
    assert names("contacts", email="ANNA.BERG@example.com") == ["Berg"]
    assert names("contacts", kind="private") == []
    assert names("contacts", updated_since="2999-01-01T00:00:00+00:00") == []
    assert names("organisations", tag="kunde") == ["Syd ApS"]
    assert names("organisations", search="nord") == ["Nord ApS"]
    refused = client.get(f"{API}/contacts", query_string={"sort": "password"},
                         headers=bearer(token))
    assert refused.status_code == 422 and "sort" in refused.json["fields"]


# --- idempotency, ETags ---------------------------------------------------------------

def test_a_retried_post_with_the_same_key_makes_one_record(client, tenant_a):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    headers = bearer(token, **{"Idempotency-Key": "order-17"})
    first = client.post(f"{API}/organisations", json={"name": "Én gang A/S"}, headers=headers)
    again = client.post(f"{API}/organisations", json={"name": "Én gang A/S"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    with tenant_context(tenant_a.id):
        assert len(db.session.scalars(select(Organisation)).all()) == 1
    other = client.post(f"{API}/organisations", json={"name": "Anden A/S"}, headers=headers)
    assert other.status_code == 422 and other.json["code"] == "idempotency_key_reused"
    # keys are per token: another token's same key is a new request
    second_token = gen_api_token(tenant_a.id, "admin@alpha.example")
    fresh = client.post(f"{API}/organisations", json={"name": "Én gang A/S"},
                        headers=bearer(second_token, **{"Idempotency-Key": "order-17"}))
    assert fresh.status_code == 201 and fresh.json["id"] != first.json["id"]


def test_if_match_refuses_a_change_to_a_changed_record(client, tenant_a):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    url = f"{API}/organisations/{gen_organisation(tenant_a.id)}"
    etag = client.get(url, headers=bearer(token)).headers["ETag"]
    first = client.patch(url, json={"industry": "Energi"},
                         headers=bearer(token, **{"If-Match": etag}))
    assert first.status_code == 200 and first.headers["ETag"] != etag
    stale = client.patch(url, json={"industry": "Shipping"},
                         headers=bearer(token, **{"If-Match": etag}))
    assert stale.status_code == 412 and stale.json["code"] == "precondition_failed"
    assert client.get(url, headers=bearer(token)).json["industry"] == "Energi"
    assert client.delete(url, headers=bearer(token, **{"If-Match": etag})).status_code == 412
    assert client.delete(url, headers=bearer(
        token, **{"If-Match": first.headers["ETag"]})).status_code == 204


# --- the bulk upsert ------------------------------------------------------------------

def test_upsert_matches_by_external_id_or_email_and_reports_each_item(client, tenant_a):
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    organisation = gen_organisation(tenant_a.id)
    known = gen_contact(tenant_a.id, organisation, "Anna", "Berg", email="anna@berg.dk")
    items = [
        {"email": "ANNA@berg.dk", "job_title": "CEO", "external_ids": {"erp": "E-1"}},
        {"first_name": "Bo", "last_name": "Dahl", "email": "bo@dahl.dk",
         "organisation_id": organisation, "external_ids": {"erp": "E-2"}},
        {"first_name": "Ny", "last_name": "Uden", "email": "not-an-address",
         "organisation_id": organisation},
    ]
    answer = client.post(f"{API}/contacts:upsert", json={"items": items},
                         headers=bearer(token))
    assert answer.status_code == 200, answer.json
    assert (answer.json["created"], answer.json["updated"], answer.json["failed"]) == (1, 1, 1)
    first, second, third = answer.json["results"]
    assert first["status"] == "updated" and first["id"] == known
    assert first["contact"]["job_title"] == "CEO"
    assert second["status"] == "created" and second["contact"]["external_ids"] == {"erp": "E-2"}
    assert third["status"] == "error" and "email" in third["fields"]
    # again, now matched by the external ids alone
    again = client.post(f"{API}/contacts:upsert", headers=bearer(token), json={"items": [
        {"external_ids": {"erp": "E-2"}, "mobile": "+4520202020"},
        {"external_ids": {"erp": "E-1"}, "job_title": "Chair"}]})
    assert [r["status"] for r in again.json["results"]] == ["updated", "updated"]
    assert reload(Contact, tenant_a.id, known).job_title == "Chair"
    with tenant_context(tenant_a.id):
        assert len(db.session.scalars(select(Contact)).all()) == 2
    too_many = client.post(f"{API}/contacts:upsert", headers=bearer(token),
                           json={"items": [{"email": f"p{n}@x.dk"} for n in range(1001)]})
    assert too_many.status_code == 422 and "items" in too_many.json["fields"]


def test_the_rate_limit_counts_per_token(database_url, tenant_a):
    limited = make_app(database_url, RATELIMIT_ENABLED=True, API_RATE_LIMIT="2 per minute",
                       RATELIMIT_STORAGE_URI="memory://")
    client = limited.test_client()
    first = gen_api_token(tenant_a.id, "user@alpha.example")
    second = gen_api_token(tenant_a.id, "admin@alpha.example")
    statuses = [client.get(f"{API}/contacts", headers=bearer(first)).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.get(f"{API}/contacts", headers=bearer(first))
    assert refused.json["code"] == "rate_limited" and "Retry-After" in refused.headers
    assert client.get(f"{API}/contacts", headers=bearer(second)).status_code == 200


def test_the_api_needs_no_csrf_token(database_url, tenant_a):
    guarded = make_app(database_url, WTF_CSRF_ENABLED=True)
    token = gen_api_token(tenant_a.id, "user@alpha.example")
    response = guarded.test_client().post(f"{API}/organisations", json={"name": "Uden CSRF"},
                                          headers=bearer(token))
    assert response.status_code == 201
    assert guarded.test_client().post("/admin/api-tokens/", data={"name": "x"}).status_code \
        in (302, 400)  # the screens still want one (or a login first)
