"""Hostile input: control characters (NUL above all) in every value a request brings;
ids, pages and dates beyond what the code or the database takes; broken and deeply
nested JSON; in-list edits of records that do not exist. Each gets a page or a translated
refusal, never a 500 and never a database message — on SQLite and on PostgreSQL, which
refuses NUL in text outright."""

from __future__ import annotations

import pytest
from flask_admin.contrib.sqla import ModelView
from sqlalchemy import insert, select
from sqlalchemy.exc import DataError

from app.extensions import db
from app.input_cleaning import MAX_JSON_DEPTH, clean_text, json_without_nul
from app.models import Activity, Case, Contact, Lead, Organisation, Tag, Task, User
from app.services.text import record_id
from app.tenancy import tenant_context
from tests.conftest import (
    LEAKS,
    errors_in,
    intake,
    login,
    records,
    reload,
    translated,
    user_id,
    view_of,
)
from tests.factories import (
    FIELDS,
    LEAD_FORM,
    NEW_USER,
    activity_form,
    case_form,
    contact_form,
    gen_fields,
    gen_organisation,
    gen_task,
    open_intake,
    setup_people,
    task_form,
)

NUL = "\x00"
HOSTILE_QUERY = "a%00b%01c%7F"  # NUL, another C0 control and DEL, percent-encoded
HOSTILE_PAGES = ("-1", "99999999999999999999")


def assert_answered(response, url: str = "") -> str:
    """Not a server error, and no database message in the page."""
    assert response.status_code < 500, url
    html = response.get_data().decode("utf-8", "replace")  # PDFs and pictures too
    assert not LEAKS.search(html), url
    return html


def saved(model, tenant_id: int):
    """The newest record of a model in the tenant, read afresh."""
    db.session.expire_all()
    with tenant_context(tenant_id):
        return db.session.scalars(select(model).order_by(model.id.desc()).limit(1)).first()


# --- the cleaning itself -----------------------------------------------------------------

def test_control_characters_go_but_tabs_and_line_breaks_stay():
    assert clean_text("a\x00b\x01c\x1fd\x7fe\x85f\x9fg") == "abcdefg"
    assert clean_text("one\ttwo\r\nthree\n") == "one\ttwo\r\nthree\n"
    assert clean_text("ÆØÅ ąę \u202eRTL 😀") == "ÆØÅ ąę \u202eRTL 😀"


def test_ids_are_ascii_digits_only(admin_client, tenant_a):
    assert record_id("12") == 12
    for text in ("²", "٣", "１２", "-1", "1.0", "99999999999", ""):
        assert record_id(text) is None, text
    org = gen_organisation(tenant_a.id)
    for url in ("/admin/contact/edit/?id=²", "/admin/contact/details/?id=٣",
                "/admin/contact/²/profile", f"/admin/case/new/?contact_id=²&x={org}",
                "/admin/activity/new/?organisation_id=٣",
                "/admin/activity/persons/?organisation_id=²&page=²"):
        assert_answered(admin_client.get(url), url)


# --- without a login ----------------------------------------------------------------------

def test_login_with_nul_in_the_email_is_a_failed_login(client, tenant_a):
    response = login(client, "admin@alpha.example\x00", "secret-pass\x00")
    assert_answered(response)
    assert response.status_code == 302  # the NUL is dropped: the real address and password
    client.post("/logout")
    response = login(client, "nobody\x00@alpha.example", "x\x00")
    assert response.status_code == 401


def test_intake_drops_control_characters_from_form_and_json(client, tenant_a):
    token = open_intake(tenant_a.id)
    response = intake(client, "alpha", token, data={**LEAD_FORM, "name": "Anna\x00 Berg\x07",
                                                    "message": "Hej\x00\r\nmed venlig hilsen"})
    assert response.status_code == 201
    lead = saved(Lead, tenant_a.id)
    assert (lead.name, lead.message) == ("Anna Berg", "Hej\r\nmed venlig hilsen")
    response = intake(client, "alpha", token, json={"name": "Eva\u0000 Lund",
                                                    "company\u0000": "Sydvind\u0000 ApS"})
    assert response.status_code == 201
    lead = saved(Lead, tenant_a.id)
    assert (lead.name, lead.company) == ("Eva Lund", "Sydvind ApS")


@pytest.mark.parametrize("body", [
    "{", '{"name": "Anna"', "[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000,
    "[" * (MAX_JSON_DEPTH + 2) + "]" * (MAX_JSON_DEPTH + 2), '["Anna Berg"]', '"Anna"',
])
def test_intake_says_the_json_is_invalid(client, tenant_a, body):
    token = open_intake(tenant_a.id)
    response = intake(client, "alpha", token, data=body, content_type="application/json",
                      headers={"Accept-Language": "da"})
    assert response.status_code == 400
    assert response.get_json() == {
        "error": translated("The request body is not a valid JSON object.")}


def test_nested_json_within_the_limit_is_read(client, tenant_a):
    token = open_intake(tenant_a.id)
    nested = {"name": "Anna Berg", "extra": [[[[{"deep": ["x"]}]]]]}
    assert intake(client, "alpha", token, json=nested).status_code == 201


def test_feed_tokens_with_nul_are_simply_unknown(client, tenant_a):
    for url in ("/feeds/abc%00def/contacts.vcf", "/feeds/abc%00def/calendar.ics",
                "/intake/al%00pha/lead?token=a%00b"):
        response = client.get(url) if "feeds" in url else client.post(url, data=LEAD_FORM)
        assert_answered(response, url)
        assert response.status_code in (403, 404), url


# --- every list, search, filter, page and look-up -----------------------------------------

def list_urls(app, view, tenant_id: int | None) -> list[str]:
    """The list with hostile search, pages and sort, and each filter with a hostile
    value; each ajax look-up of its form with a hostile query."""
    urls = [f"{view.url}/?search={HOSTILE_QUERY}", f"{view.url}/?sort=99999999999999999999",
            *(f"{view.url}/?page={page}" for page in HOSTILE_PAGES),
            *(f"{view.url}/?page={page}&search={HOSTILE_QUERY}" for page in HOSTILE_PAGES)]
    with app.test_request_context(), tenant_context(tenant_id):
        urls += [f"{view.url}/?flt0_{view.get_filter_arg(index, flt)}={HOSTILE_QUERY}"
                 for index, flt in enumerate(view._filters or [])]
    urls += [f"{view.url}/ajax/lookup/?name={name}&query={HOSTILE_QUERY}"
             for name in (view.form_ajax_refs or {})]
    return urls


def test_every_list_takes_hostile_searches_filters_pages_and_lookups(app, client, tenant_a,
                                                                     operator):
    login(client, "admin@alpha.example")
    checked = 0
    views = [v for v in app.extensions["admin"][0]._views if isinstance(v, ModelView)]
    for view in views:
        if view.endpoint == "tenant":
            continue
        for url in list_urls(app, view, tenant_a.id):
            assert_answered(client.get(url), url)
            checked += 1
    client.post("/logout")
    login(client, operator.email)
    for url in list_urls(app, view_of(app, "tenant"), None):
        assert_answered(client.get(url), url)
    assert checked > 150


def test_every_plain_page_takes_hostile_query_arguments(app, admin_client, tenant_a):
    """Every GET URL without path arguments, with the arguments screens read."""
    query = "&".join(f"{name}={HOSTILE_QUERY}" for name in (
        "q", "search", "query", "next", "entity", "dictionary", "contact_id", "case_id",
        "organisation_id", "project_id", "kind", "thumbnail", "tab")) + "&page=-1"
    rules = [rule for rule in app.url_map.iter_rules() if "GET" in rule.methods
             and not rule.arguments and rule.endpoint not in ("static", "auth.logout")]
    assert len(rules) > 20
    for rule in rules:
        url = f"{rule.rule}?{query}"
        assert_answered(admin_client.get(url), url)
    for kind in ("csv", "xlsx"):
        url = f"/admin/contact/export/{kind}/?search={HOSTILE_QUERY}&page=-1"
        assert_answered(admin_client.get(url), url)


def test_profile_tabs_take_hostile_searches_pages_and_dates(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    hostile = {"cases_q": HOSTILE_QUERY, "notes_q": HOSTILE_QUERY, "cases_status": "%00",
               "cases_page": "-1", "tasks_page": "99999999999999999999", "notes_page": "²",
               "email_page": "-1", "meetings_page": "٣", "history_page": "-1",
               "history_from": "0001-01-01", "history_to": "9999-12-31",
               "timeline_from": "0001-01-01", "timeline_to": "9999-12-31",
               "cases_opened_from": "0001-01-01", "cases_closed_to": "9999-12-31"}
    query = "&".join(f"{key}={value}" for key, value in hostile.items())
    for tab in ("timeline", "cases", "tasks", "notes", "email", "meetings", "files",
                "history", "related"):
        url = f"/admin/contact/{person}/profile?tab={tab}&{query}"
        response = admin_client.get(url)
        assert_answered(response, url)
        assert response.status_code == 200, url


# --- saving texts with NUL -------------------------------------------------------------------

def _no_nul(*texts) -> bool:
    return all(NUL not in (text or "") for text in texts)


def test_saving_records_drops_nul_from_every_text(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    posts = [
        ("/admin/organisation/new/", {"name": "Nul\x00 ApS"}, Organisation, "name", "Nul ApS"),
        ("/admin/contact/new/", contact_form(org, first_name="Je\x00ns", email="j\x00@n.dk",
                                             _confirm_duplicate="1"),
         Contact, "first_name", "Jens"),
        ("/admin/tag/new/", {"name": "V\x00IP"}, Tag, "name", "VIP"),
        ("/admin/lead/new/", {**LEAD_FORM, "name": "Anna\x00 Berg"}, Lead, "name",
         "Anna Berg"),
        ("/admin/user/new/", {**NEW_USER, "full_name": "Ny\x00 Bruger"}, User, "full_name",
         "Ny Bruger"),
        ("/admin/case/new/", case_form(person, "Rekl\x00amation"), Case, "title",
         "Reklamation"),
        ("/admin/task/new/", task_form("Ring\x00 op"), Task, "title", "Ring op"),
        ("/admin/activity/new/", activity_form(org, [person], body="Ta\x00lte"), Activity,
         "body", "Talte"),
        (f"/admin/letter/new/?contact_id={person}", {"subject": "Bre\x00v", "body": "Hej\x00"},
         Activity, "subject", "Brev"),
    ]
    for url, data, model, column, expected in posts:
        response = admin_client.post(url, data=data)
        assert_answered(response, url)
        assert response.status_code == 302, (url, errors_in(response.get_data(as_text=True)))
        with tenant_context(tenant_a.id):
            assert getattr(saved(model, tenant_a.id), column) == expected, url


def test_sending_a_mail_drops_nul(admin_client, tenant_a, no_mail_server):
    _org, person, _other = setup_people(tenant_a.id)
    response = admin_client.post(f"/admin/mail/contact/{person}/", data={
        "to": "jens@nordlys.example\x00", "subject": "Til\x00bud", "body": "Hej\x00 Jens"},
        content_type="multipart/form-data")
    assert_answered(response)
    mail = saved(Activity, tenant_a.id)
    assert (mail.subject, mail.body) == ("Tilbud", "Hej Jens")


def test_configurable_field_values_keep_no_nul(admin_client, tenant_a):
    names = gen_fields(tenant_a.id, note=FIELDS["note"], visits=FIELDS["visits"])
    org = gen_organisation(tenant_a.id)
    response = admin_client.post("/admin/contact/new/", data=contact_form(
        org, **{names["note"]: "Rin\x00g", names["visits"]: "sNaN"}))
    assert_answered(response)
    assert response.status_code == 200 and errors_in(response.get_data(as_text=True))
    response = admin_client.post("/admin/contact/new/", data=contact_form(
        org, **{names["note"]: "Rin\x00g", names["visits"]: "٣"}))
    assert response.status_code == 302
    assert list(records(Contact, tenant_a.id)[-1].custom.values()) == ["Ring", 3]


def test_the_database_guard_drops_nul_written_by_code(tenant_a):
    """Text that never came through a request (an import, a script) loses NUL too, in
    columns and in JSON values alike."""
    with tenant_context(tenant_a.id):
        db.session.add(Tag(name="Im\x00port"))
        org = Organisation(name="Fil\x00 ApS", custom={"note": "a\x00b", "list": ["\x00"]})
        db.session.add(org)
        db.session.commit()
        org_id = org.id
    assert saved(Tag, tenant_a.id).name == "Import"
    organisation = reload(Organisation, tenant_a.id, org_id)
    assert (organisation.name, organisation.custom) == ("Fil ApS", {"note": "ab", "list": [""]})
    with tenant_context(tenant_a.id):  # and in a search
        assert db.session.scalars(select(Tag).where(Tag.name == "Im\x00port")).all()


def test_the_database_guard_catches_lone_surrogates_and_nul_in_batches(tenant_a):
    """Regression: the guard looks for what cannot be stored in the repr() of a whole
    batch of parameters. A lone surrogate (no UTF-8 holds one) slipped through it, and
    so did NUL in a JSON key; a batch written past the ORM (the import's) with either
    in its last row, or in a row of several, is stored clean."""
    rows = [{"name": f"Tag {n}"} for n in range(5)] + [
        {"name": "Lone\ud800 surrogate"}, {"name": "Nul\x00 and \udfff"}]
    with tenant_context(tenant_a.id):
        db.session.execute(insert(Tag), [{**row, "tenant_id": tenant_a.id} for row in rows])
        org = Organisation(name="Sur\udc80 ApS", custom={"k\x00ey": "v\ud83d", "n": "\\x00"})
        db.session.add(org)
        db.session.commit()
        org_id = org.id
        found = set(db.session.scalars(select(Tag.name)))
    assert {"Lone surrogate", "Nul and "} <= found
    organisation = reload(Organisation, tenant_a.id, org_id)
    # a backslash typed before "x00" is text, kept as it is
    assert (organisation.name, organisation.custom) == ("Sur ApS", {"key": "v", "n": "\\x00"})


def test_lone_surrogates_in_intake_json_are_dropped(client, tenant_a):
    token = open_intake(tenant_a.id)
    response = intake(client, "alpha", token,
                      data='{"name": "Eva\\ud800 Lund", "company": "\\udfffSyd\\u0000vind"}',
                      content_type="application/json")
    assert response.status_code == 201
    lead = saved(Lead, tenant_a.id)
    assert (lead.name, lead.company) == ("Eva Lund", "Sydvind")
    assert clean_text("a\ud800b\U0001f600") == "ab\U0001f600"  # a real emoji stays


# --- database errors are never shown -----------------------------------------------------------

def database_error(*_args, **_kwargs):
    raise DataError("UPDATE contact SET secret_column=%(x)s", {"x": "top secret"},
                    Exception("boom in the database"))


def test_a_database_error_on_save_shows_a_translated_message_only(app, admin_client, tenant_a,
                                                                   monkeypatch):
    org = gen_organisation(tenant_a.id)
    monkeypatch.setattr(view_of(app, "contact"), "on_model_change", database_error)
    response = admin_client.post("/admin/contact/new/", data=contact_form(org),
                                 follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert translated("The record could not be saved. Please check the values and try "
                      "again.") in html
    assert "secret" not in html and "boom" not in html


def test_a_database_error_in_a_bulk_delete_is_not_shown(app, admin_client, tenant_a,
                                                        monkeypatch):
    from flask_admin.contrib.sqla import tools

    org = gen_organisation(tenant_a.id)
    monkeypatch.setattr(tools, "get_query_for_ids", database_error)
    response = admin_client.post("/admin/organisation/action/", follow_redirects=True,
                                 data={"action": "delete", "rowid": [str(org)]})
    html = assert_answered(response)
    assert translated("The record could not be saved. Please check the values and try "
                      "again.") in html
    assert "secret" not in html and "boom" not in html


# --- times outside the supported years ----------------------------------------------------------

OUT_OF_RANGE = ("Enter a date between the years %(first)s and %(last)s.",
                {"first": 1900, "last": 2999})


def test_times_outside_the_supported_years_are_refused_beside_the_field(admin_client,
                                                                        tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    message = translated(OUT_OF_RANGE[0], **OUT_OF_RANGE[1])
    posts = [("/admin/task/new/", task_form(due_at="0001-01-01 00:00")),
             ("/admin/task/new/", task_form(due_at="9999-12-31 23:59")),
             ("/admin/activity/new/", activity_form(org, [person], starts_at="0001-01-01 00:00")),
             ("/admin/activity/new/", activity_form(org, [person], follow_up_on="9999-12-31")),
             ("/admin/activity/new/", activity_form(org, [person], follow_up_on="0001-01-01")),
             ("/admin/activity/new/", activity_form(org, [person], kind="meeting",
                                                    subject="Møde", starts_at="2024-05-02 23:30",
                                                    ends_at="2024-05-03 00:30",
                                                    follow_up_on="9999-12-31"))]
    for url, data in posts:
        response = admin_client.post(url, data=data)
        html = assert_answered(response, url)
        assert response.status_code == 200 and message in errors_in(html), (url, data)
    assert saved(Task, tenant_a.id) is None and saved(Activity, tenant_a.id) is None


# --- in-list edits -----------------------------------------------------------------------------

def test_in_list_edit_answers_4xx_with_a_translated_message(admin_client, tenant_a, tenant_b):
    task_id = gen_task(tenant_a.id)
    foreign = gen_task(tenant_b.id)
    for pk in ("999999", str(foreign), "²", "a\x00b"):
        response = admin_client.post("/admin/task/ajax/update/",
                                     data={"list_form_pk": pk, "title": "Ny"})
        assert response.status_code == 404, pk
        assert response.get_data(as_text=True) == "Posten findes ikke."  # Flask-Admin's
    for values in ({"assignee": str(user_id(tenant_b.id, "admin@beta.example"))},
                   {"due_at": "0001-01-01 00:00:00"}, {"due_at": "not a time"},
                   {"status": "99999999999"}):
        response = admin_client.post("/admin/task/ajax/update/",
                                     data={"list_form_pk": str(task_id), **values})
        assert response.status_code == 400, values
        assert_answered(response)
    task = reload(Task, tenant_a.id, task_id)
    assert (task.title, task.assignee_id, task.due_at) == ("Ring tilbage", None, None)


def test_json_values_are_written_as_json_dumps_writes_them_without_nul():
    import json

    values = [{"name": [None, "Søren Ærø"], "n": 0, "x": 1.5, "flags": [True, False, None]},
              {"custom.note": [None, "a\u2028b"], "nested": {"k": ["é", 2]}}, [], {}, "tekst",
              {"1": float("nan")}]
    for value in values:
        assert json_without_nul(value) == json.dumps(value)
    assert json_without_nul({"a": ["x\x00y", "\ud800z"]}) == '{"a": ["xy", "z"]}'
    with pytest.raises(TypeError):
        json_without_nul({"a": object()})
    # a value refused half-way leaves nothing behind for the next
    assert json_without_nul({"a": [1]}) == '{"a": [1]}'
