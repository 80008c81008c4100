"""Lists and forms that fit their readers (issue 16, "Forms and lists that fit a screen"):
coded columns are filtered by their translated names, the search box says what it
searches, countries are every ISO 3166 country in the reader's language, and the contact
form follows the tenant's settings."""

from __future__ import annotations

import html as html_lib
import json
import re

from flask_admin.model.filters import BaseFilter
from flask_babel import force_locale

from app.models import Contact, Organisation
from app.services import countries
from app.views.contacts import KIND_CHOICES
from tests.conftest import (
    errors_in,
    filter_arg,
    list_html,
    load_contact,
    login,
    records,
    translated,
)
from tests.factories import contact_form, gen_contact, set_settings


def filter_groups(page: str) -> dict:
    data = re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', page, re.S).group(1)
    return json.loads(html_lib.unescape(data))


def options_of(page: str, codes: set[str]) -> list[list[str]]:
    """The options of the page's filter offering exactly ``codes``."""
    for items in filter_groups(page).values():
        for item in items:
            if item["options"] and {code for code, _ in item["options"]} == codes:
                return item["options"]
    raise AssertionError(f"no filter offers {codes}")


def placeholder(page: str) -> str:
    return html_lib.unescape(re.search(r'name="search"[^>]*placeholder="([^"]*)"', page).group(1))


def select_options(page: str, field: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select[^>]*name="{field}".*?</select>', page, re.S).group(0)
    return [(code, html_lib.unescape(name)) for code, name in
            re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select)]


def label_of(page: str, field: str) -> str:
    return re.search(rf'<label for="{field}".*?</label>', page, re.S).group(0)


# --- enum filters ---------------------------------------------------------------------


def test_the_type_filter_offers_the_translated_kinds_and_filters_by_them(
        app, admin_client, tenant_a):
    gen_contact(tenant_a.id, first_name="Pia", last_name="Privatsen", kind="private")
    gen_contact(tenant_a.id, first_name="Frede", last_name="Firmasen", kind="company")
    page = admin_client.get("/admin/contact/").get_data(as_text=True)
    with force_locale("da"):
        danish = [[code, str(label)] for code, label in KIND_CHOICES]
    assert options_of(page, {code for code, _ in KIND_CHOICES}) == danish
    found = list_html(admin_client, "contact",
                      f"?{filter_arg(app, 'contact', 'kind', 'equals')}=private")
    assert "Privatsen" in found and "Firmasen" not in found
    other = list_html(admin_client, "contact",
                      f"?{filter_arg(app, 'contact', 'kind', 'not equal')}=private")
    assert "Firmasen" in other and "Privatsen" not in other


def test_every_filter_on_a_coded_column_offers_choices(app):
    """A column whose form offers choices (or that filter_choices names) is never
    filtered through a text box for its codes."""
    checked = 0
    for view in app.extensions["admin"][0]._views:
        coded = {*(getattr(view, "form_choices", None) or {}),
                 *getattr(view, "filter_choices", {})}
        for name in getattr(view, "column_filters", None) or ():
            if isinstance(name, BaseFilter) or name not in coded:
                continue
            filters = [f for f in view._filters
                       if getattr(getattr(f, "column", None), "key", None) == name]
            assert filters and all(f.options for f in filters), (view.endpoint, name)
            checked += 1
    assert checked >= 7  # contact type, role, languages, countries, history's codes


def test_the_history_filters_by_record_type_and_action_names(app, admin_client, tenant_a):
    gen_contact(tenant_a.id)
    page = admin_client.get("/admin/audit/").get_data(as_text=True)
    actions = dict(options_of(page, {"create", "update", "delete", "erase", "merge"}))
    assert actions["create"] == translated("Created")


# --- the search box -------------------------------------------------------------------


def test_the_search_box_says_what_each_list_searches(admin_client, tenant_a):
    def shown(endpoint: str) -> str:
        return placeholder(admin_client.get(f"/admin/{endpoint}/").get_data(as_text=True))

    assert shown("contact") == translated("Name, e-mail or phone")
    assert shown("organisation") == translated("Name, registration no., e-mail or city")
    assert shown("case") == translated("Title or case no.")
    assert shown("activity") == translated("Subject or note")
    set_settings(tenant_a.id, unique_contact_id=True)
    assert shown("contact") == translated("Name, e-mail, phone or customer no.")


# --- countries ------------------------------------------------------------------------


def test_countries_are_every_iso_country_in_the_readers_language_home_first(
        client, tenant_a, tenant_b):
    login(client, "admin@alpha.example")
    danish = select_options(client.get("/admin/contact/new/").get_data(as_text=True),
                            "country")
    codes = [code for code, _ in danish if code not in ("", "__None")]
    assert len(codes) == len(set(codes)) == 249 == len(countries.country_codes())
    assert codes[0] == "DK" and dict(danish)["DE"] == "Tyskland"
    client.get("/logout")
    login(client, "admin@beta.example")
    polish = select_options(client.get("/admin/organisation/new/").get_data(as_text=True),
                            "country")
    assert [c for c, _ in polish if c not in ("", "__None")][0] == "PL"
    assert dict(polish)["DE"] == "Niemcy"


def test_any_country_is_saved_and_identifiers_keep_their_rules(admin_client, tenant_a):
    response = admin_client.post("/admin/contact/new/", data=contact_form(
        country="JP", phone="+45 20 12 34 56", kind="private"))
    assert response.status_code == 302, errors_in(response.get_data(as_text=True))
    [contact] = records(Contact, tenant_a.id)
    assert contact.country == "JP"
    response = admin_client.post("/admin/organisation/new/", data={
        "name": "Rio Ltda", "country": "BR", "registration_country": "DK",
        "registration_number": "12345678"})
    assert response.status_code == 200  # the Danish CVR check still refuses a bad number
    assert "Rio Ltda" not in [o.name for o in records(Organisation, tenant_a.id)]
    refused = admin_client.post("/admin/contact/new/", data=contact_form(country="QQ"))
    assert refused.status_code == 200 and not records(Contact, tenant_a.id)[1:]


# --- the contact form -----------------------------------------------------------------


def test_email_is_marked_required_where_the_tenant_requires_it(admin_client, tenant_a):
    page = admin_client.get("/admin/contact/new/").get_data(as_text=True)
    assert "text-danger" in label_of(page, "email")
    refused = admin_client.post("/admin/contact/new/", data=contact_form(email=""))
    assert refused.status_code == 200 and not records(Contact, tenant_a.id)
    assert translated("This field is required.") in errors_in(refused.get_data(as_text=True))
    set_settings(tenant_a.id, email_required=False)
    page = admin_client.get("/admin/contact/new/").get_data(as_text=True)
    assert "text-danger" not in label_of(page, "email")
    saved = admin_client.post("/admin/contact/new/", data=contact_form(email="", kind="private"))
    assert saved.status_code == 302, errors_in(saved.get_data(as_text=True))


def test_remove_photo_is_offered_only_when_there_is_a_photo(admin_client, tenant_a):
    assert 'name="remove_photo"' not in admin_client.get(
        "/admin/contact/new/").get_data(as_text=True)
    plain = gen_contact(tenant_a.id)
    assert 'name="remove_photo"' not in admin_client.get(
        f"/admin/contact/edit/?id={plain}").get_data(as_text=True)
    pictured = gen_contact(tenant_a.id, first_name="Bo", last_name="Billede", photo="p.jpg")
    page = admin_client.get(f"/admin/contact/edit/?id={pictured}").get_data(as_text=True)
    assert 'name="remove_photo"' in page
    saved = admin_client.post(f"/admin/contact/edit/?id={plain}",
                              data=contact_form(email="jens.hansen@example.com",
                                                kind="private"))
    assert saved.status_code == 302, errors_in(saved.get_data(as_text=True))
    assert load_contact(tenant_a.id, plain).country == "DK"
