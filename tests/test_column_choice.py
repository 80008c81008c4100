"""Each user chooses a list's columns ("Columns" in the menu bar): the default ones fit
a 1,366-pixel screen, the choice is kept per user and list, and only columns the list
offers can be chosen."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import User
from tests.conftest import list_html, switch_user, user_id
from tests.factories import gen_contact, gen_organisation


def headers(client, endpoint: str = "contact") -> list[str]:
    html = list_html(client, endpoint)
    head = html[:html.index("</thead>")]
    return [c for c in re.findall(r'class="[^"]*column-header col-([a-z_0-9]+)', head)]


def test_default_columns_leave_the_wide_ones_out(admin_client, tenant_a):
    gen_contact(tenant_a.id, gen_organisation(tenant_a.id))
    shown = headers(admin_client)
    assert {"last_name", "first_name", "email", "phone", "organisation", "tags"} <= set(shown)
    assert not {"mobile", "kind", "responsible_user", "consent"} & set(shown)
    page = admin_client.get("/admin/contact/").get_data(as_text=True)
    assert 'name="columns" value="mobile"' in page  # offered in the choice


def test_a_users_choice_is_kept_for_that_user_and_list(admin_client, tenant_a):
    response = admin_client.post("/admin/columns/", data={
        "list": "contact", "columns": ["last_name", "mobile", "consent"],
        "next": "/admin/contact/?search=x"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/contact/?search=x"
    assert headers(admin_client) == ["last_name", "mobile", "consent"]
    assert "mobile" not in headers(admin_client, "organisation")  # another list: its own
    switch_user(admin_client, "user@alpha.example")  # another user: the defaults
    assert "mobile" not in headers(admin_client)
    assert "email" in headers(admin_client)


def test_reset_and_refusals(admin_client, tenant_a):
    admin_client.post("/admin/columns/", data={"list": "contact", "columns": ["email"]})
    response = admin_client.post("/admin/columns/", data={
        "list": "contact", "columns": ["email", "password_hash"]}, follow_redirects=True)
    assert "Listen har ingen sådan kolonne." in response.get_data(as_text=True)
    assert headers(admin_client) == ["email"]  # the refused choice changed nothing
    admin_client.post("/admin/columns/", data={"list": "contact", "reset": "1",
                                               "columns": ["email"]})
    assert "last_name" in headers(admin_client)
    with db.session.no_autoflush:
        user = db.session.get(User, user_id(tenant_a.id, "admin@alpha.example"))
        assert "contact" not in user.list_columns
    # only this application's pages are gone back to
    response = admin_client.post("/admin/columns/", data={
        "list": "contact", "reset": "1", "next": "https://evil.example/admin/"})
    assert response.headers["Location"] == "/admin/"
    assert admin_client.post("/admin/columns/", data={"list": "tenant"}).status_code == 404
