"""Texts a tenant's administrator writes — field labels and help texts, section names,
choice and dictionary labels, tag names, the letterhead — are shown as text on every
page (forms, lists with their filters, details, profile and its panels), never as HTML."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace as Ref

from sqlalchemy import select

from app.extensions import db
from app.models import Contact, FieldSection, Tag
from app.tenancy import tenant_context
from tests.conftest import SCRIPT_HEADERS
from tests.factories import CHOICE_LABEL, TAG, TEXT_LABEL, hostile_texts

# What an attacker leaves in a page: any tag of the payloads, unescaped.
RAW_PAYLOAD = re.compile(r"<script>alert\(|<img src=x onerror=")


def filter_arguments(html: str, *names: str) -> dict[str, str]:
    """The URL argument of the first filter of each named filter group of a list page,
    read from the JSON Flask-Admin inlines for its filter script."""
    groups = json.loads(re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', html).group(1))
    return {name: groups[name][0]["arg"] for name in names}


def assert_no_markup(html: str, where: str) -> None:
    found = RAW_PAYLOAD.search(html)
    assert found is None, f"{where}: {html[max(found.start() - 200, 0):found.end() + 60]}"


def pages(keys: Ref, filters: dict[str, str]) -> list[str]:
    contact = keys.contact
    profile = f"/admin/contact/{contact}/profile"
    return [
        "/admin/contact/", "/admin/contact/new/", f"/admin/contact/edit/?id={contact}",
        f"/admin/contact/details/?id={contact}", profile,
        *(f"/admin/contact/?flt1_{arg}=x" for arg in filters.values()),
        f"/admin/contact/?search=v%C3%A6rdi&flt1_{filters[CHOICE_LABEL]}={keys.option}",
        f"{profile}/panel/fields-{keys.section}/edit", f"{profile}/panel/responsible/edit",
        f"{profile}?tab=tasks", f"{profile}?tab=cases", f"{profile}?tab=timeline",
        "/admin/task/", "/admin/task/new/", "/admin/case/", "/admin/case/new/",
        "/admin/my_tasks/", "/admin/activity/new/?kind=note",
        f"/admin/activity/new/?kind=note&contact_id={contact}", "/admin/tag/",
        "/admin/fields/", "/admin/dictionaries/", "/admin/letterhead/",
    ]


def test_tenant_texts_never_reach_a_page_as_markup(admin_client, tenant_a):
    keys = hostile_texts(tenant_a.id)
    listing = admin_client.get("/admin/contact/").get_data(as_text=True)
    filters = filter_arguments(listing, TEXT_LABEL, CHOICE_LABEL)
    for url in pages(keys, filters):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert_no_markup(response.get_data(as_text=True), url)


def test_panels_fetched_by_the_profile_script_hold_no_markup(admin_client, tenant_a):
    keys = hostile_texts(tenant_a.id)
    profile = f"/admin/contact/{keys.contact}/profile"
    for key in (f"fields-{keys.section}", "responsible"):
        response = admin_client.get(f"{profile}/panel/{key}/edit", headers=SCRIPT_HEADERS)
        assert response.status_code == 200
        assert_no_markup(response.get_data(as_text=True), key)
    refused = admin_client.post(f"{profile}/panel/fields-{keys.section}/edit",
                                data={keys.choice_form: "not-a-choice"}, headers=SCRIPT_HEADERS)
    assert_no_markup(refused.get_data(as_text=True), "refused panel")


def test_help_text_is_shown_as_text_under_its_input(admin_client, tenant_a):
    keys = hostile_texts(tenant_a.id)
    html = admin_client.get("/admin/contact/new/").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;help&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(&#34;choice-help&#34;)&gt;" in html
    assert f'name="{keys.text_form}"' in html


def test_filter_names_reach_the_filter_script_intact(admin_client, tenant_a):
    """The names stay the labels (the script shows them as text, see the browser test);
    the inlined JSON cannot end its element early."""
    hostile_texts(tenant_a.id)
    html = admin_client.get("/admin/contact/").get_data(as_text=True)
    assert set(filter_arguments(html, TEXT_LABEL, CHOICE_LABEL)) == {TEXT_LABEL, CHOICE_LABEL}
    data = re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert "<" not in data and ">" not in data


def test_section_with_markup_keeps_its_fields_working(admin_client, tenant_a):
    keys = hostile_texts(tenant_a.id)
    profile = f"/admin/contact/{keys.contact}/profile"
    response = admin_client.post(f"{profile}/panel/fields-{keys.section}/edit",
                                 data={keys.text_form: "ny værdi", keys.choice_form: keys.option})
    assert response.status_code in (200, 302)
    db.session.expire_all()
    with tenant_context(tenant_a.id):
        assert db.session.get(Contact, keys.contact).custom[keys.text] == "ny værdi"
        assert db.session.scalar(select(FieldSection.id)) == keys.section


def test_tag_colour_is_a_colour_and_its_name_text(admin_client, tenant_a):
    refused = admin_client.post("/admin/tag/new/", data={"name": "Rød", "colour": "red;x:y"})
    assert "Ugyldigt input." in refused.get_data(as_text=True)
    admin_client.post("/admin/tag/new/", data={"name": TAG, "colour": "#00aa00"})
    with tenant_context(tenant_a.id):
        assert [(t.name, t.colour) for t in db.session.scalars(select(Tag))] == [
            (TAG, "#00aa00")]
    assert_no_markup(admin_client.get("/admin/tag/").get_data(as_text=True), "tag list")


def test_refusal_naming_a_dictionary_entry_shows_it_as_text(admin_client, tenant_a):
    keys = hostile_texts(tenant_a.id)  # the priority is used by a task
    response = admin_client.post(f"/admin/dictionaries/{keys.priority}/delete/",
                                 follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(&#34;priority&#34;)&gt;" in html
    assert_no_markup(html, "refused deletion")
