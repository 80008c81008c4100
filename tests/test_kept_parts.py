"""The main menu and static addresses are rendered once per process and kept
(views.kept_parts): a kept menu must still follow the language, the user's access
level, the tenant's contact term and the screen it is shown on; a static file's address,
the script root."""

from __future__ import annotations

import re

from app.views.kept_parts import PARTS
from tests.conftest import login, switch_user
from tests.factories import set_settings


def menu_of(page: str) -> str:
    return page[page.index('id="admin-navbar-collapse"'):page.index('id="language-switcher"')]


def menu(client, url: str = "/admin/contact/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return menu_of(response.get_data(as_text=True))


def names(html: str) -> set[str]:
    """The menu's entries and categories as shown."""
    return {text.strip() for text in re.findall(r">([^<>]+)<", html) if text.strip()}


def active_entries(html: str) -> list[str]:
    return re.findall(r'class="dropdown-item active[^"]*"\s*href="([^"]+)"', html)


def test_the_kept_menu_follows_the_language(client, tenant_a):
    login(client, "admin@alpha.example")
    danish = menu(client)
    client.get("/language/pl")
    polish = menu(client)
    client.get("/language/da")
    assert "Kontakter" in names(danish) and "Kontakty" in names(polish)
    assert menu(client) == danish


def test_the_kept_menu_follows_the_access_level(client, tenant_a, operator):
    login(client, "admin@alpha.example")
    admins = menu(client)
    switch_user(client, "user@alpha.example")
    members = menu(client)
    switch_user(client, "operator@platform.example")
    operators = menu(client, "/admin/tenant/")
    assert "/admin/user/" in admins and "/admin/user/" not in members
    assert "/admin/settings" in admins and "/admin/settings" not in members
    assert "/admin/contact/" in members and "/admin/contact/" not in operators
    assert "/admin/tenant/" in operators and "/admin/tenant/" not in admins
    switch_user(client, "admin@alpha.example")
    assert menu(client) == admins


def test_the_kept_menu_follows_the_contact_term(client, tenant_a):
    login(client, "admin@alpha.example")
    assert "Kontakter" in names(menu(client))
    set_settings(tenant_a.id, contact_term="customer")
    assert "Kunder" in names(menu(client)) and "Kontakter" not in names(menu(client))


def test_the_kept_menu_marks_the_screen_it_is_shown_on(admin_client):
    assert active_entries(menu(admin_client, "/admin/contact/")) == ["/admin/contact/"]
    assert active_entries(menu(admin_client, "/admin/organisation/")) == ["/admin/organisation/"]
    assert active_entries(menu(admin_client, "/admin/contact/")) == ["/admin/contact/"]


def test_kept_addresses_follow_the_script_root(admin_client):
    PARTS.clear()
    plain = admin_client.get("/admin/contact/").get_data(as_text=True)
    mounted = admin_client.get("/admin/contact/", base_url="http://localhost/crm")
    page = mounted.get_data(as_text=True)
    assert 'href="/static/kontakt.css"' in plain or "/static/kontakt.css?" in plain
    assert "/crm/static/kontakt.css" in page and '"/static/kontakt.css' not in page
    assert "/crm/admin/static/" in page and '"/admin/static/' not in page


def test_the_menu_is_rendered_once_per_kind_of_request(admin_client, monkeypatch):
    from app.views import base

    admin_client.get("/admin/contact/")  # kept now
    asked = []
    real = base.user_has_access
    monkeypatch.setattr(base, "user_has_access", lambda access: asked.append(access)
                        or real(access))
    admin_client.get("/admin/contact/")
    assert len(asked) < 3  # the screen's own check, not one per menu entry
    PARTS.clear()
    admin_client.get("/admin/contact/")
    assert len(asked) > 10
