"""The user menu in a browser: the language and logout are posted forms (with the CSRF
token), the change-password page is one click away."""

from __future__ import annotations

from playwright.sync_api import expect

from app.extensions import db
from app.models import User
from app.tenancy import all_tenants
from tests.browser.conftest import log_in


def open_user_menu(page) -> None:
    """Open the menu once the page's scripts run (a click before that opens nothing)."""
    page.wait_for_load_state("load")
    page.click("#user-menu > a")
    expect(page.locator("#user-menu .dropdown-menu")).to_be_visible()


def test_language_password_and_logout_from_the_menu(page, tenant_a):
    log_in(page, "user@alpha.example")
    page.click("#language-switcher > a")
    page.click("#language-switcher button[lang=sv]")
    page.wait_for_selector("html[lang=sv]")
    db.session.expire_all()
    with all_tenants():
        assert db.session.query(User).filter_by(email="user@alpha.example").one().language == "sv"

    open_user_menu(page)
    page.click("#user-menu a[href='/admin/password/']")
    page.wait_for_url("**/admin/password/")
    page.fill("input[name=current_password]", "secret-pass")
    page.fill("input[name=new_password]", "kayak-lantern-orbit")
    page.fill("input[name=confirm_password]", "kayak-lantern-orbit")
    page.click("form button[type=submit].btn-primary")
    page.wait_for_selector(".alert-success")

    open_user_menu(page)
    page.click("#user-menu form button[type=submit]")
    page.wait_for_url("**/login")
    assert page.goto("/admin/").url.endswith("/login?next=/admin/")
