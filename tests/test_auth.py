"""Login, logout, safe redirects, rate limiting, CSRF and cookie flags."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import User
from app.tenancy import all_tenants
from tests.conftest import csrf_token_from, login, make_app


def test_admin_requires_login(client):
    for url in ("/admin/", "/admin/user/", "/admin/tenant/", "/admin/user/new/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login?next=")


def test_login_and_logout(client, tenant_a):
    response = login(client, "ADMIN@alpha.example")  # e-mail is case-insensitive
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/admin/").status_code == 302


def test_wrong_credentials_give_a_translated_error(client, tenant_a):
    response = client.post(
        "/login", data={"email": "admin@alpha.example", "password": "nope"},
        headers={"Accept-Language": "da"},
    )
    assert response.status_code == 401
    assert "Forkert e-mail eller adgangskode." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_inactive_user_cannot_log_in(client, tenant_a):
    with all_tenants():
        user = db.session.query(User).filter_by(email="user@alpha.example").one()
        user.active = False
        db.session.commit()
    assert login(client, "user@alpha.example").status_code == 401


def test_next_is_followed_on_this_site(client, tenant_a):
    response = login(client, "admin@alpha.example", next="/admin/user/?sort=1")
    assert response.headers["Location"] == "/admin/user/?sort=1"


@pytest.mark.parametrize("target", [
    "//evil.example", "/\\evil.example", "https:evil.example", "https://evil.example/",
    "javascript:alert(1)", "/\t/evil.example", "evil.example",
])
def test_next_never_leaves_the_site(client, tenant_a, target):
    response = login(client, "admin@alpha.example", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_login_page_keeps_next_from_the_query(client):
    html = client.get("/login?next=/admin/user/").get_data(as_text=True)
    assert 'value="/admin/user/"' in html


def test_repeated_failures_are_rate_limited(database_url, tenant_a):
    app = make_app(database_url, RATELIMIT_ENABLED=True,
                                 LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    for _ in range(3):
        assert login(client, "admin@alpha.example", "bad-password").status_code == 401
    response = client.post("/login", data={"email": "admin@alpha.example", "password": "x"},
                           headers={"Accept-Language": "pl"})
    assert response.status_code == 429
    assert "Zbyt wiele prób" in response.get_data(as_text=True)


def test_successful_logins_do_not_count_towards_the_limit(database_url, tenant_a):
    app = make_app(database_url, RATELIMIT_ENABLED=True,
                                 LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    for _ in range(4):
        assert login(client, "admin@alpha.example").status_code == 302
        client.post("/logout")


@pytest.fixture
def csrf_client(database_url, tenant_a):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    return app.test_client()


def test_login_form_needs_the_csrf_token(csrf_client):
    response = login(csrf_client, "admin@alpha.example")
    assert response.status_code == 400
    token = csrf_token_from(csrf_client.get("/login").get_data(as_text=True))
    response = login(csrf_client, "admin@alpha.example", csrf_token=token)
    assert response.status_code == 302


def test_admin_forms_need_the_csrf_token(csrf_client):
    token = csrf_token_from(csrf_client.get("/login").get_data(as_text=True))
    login(csrf_client, "admin@alpha.example", csrf_token=token)
    form = {"full_name": "New", "email": "new@alpha.example", "role": "user",
            "language": "", "active": "y", "password": "long-enough-pw"}
    refused = csrf_client.post("/admin/user/new/", data=form)
    assert refused.status_code == 400
    page = csrf_client.get("/admin/user/new/").get_data(as_text=True)
    accepted = csrf_client.post("/admin/user/new/",
                                data={**form, "csrf_token": csrf_token_from(page)})
    assert accepted.status_code == 302
    with all_tenants():
        assert db.session.query(User).filter_by(email="new@alpha.example").count() == 1


def test_logout_needs_the_csrf_token_when_posted(csrf_client):
    token = csrf_token_from(csrf_client.get("/login").get_data(as_text=True))
    login(csrf_client, "admin@alpha.example", csrf_token=token)
    assert csrf_client.post("/logout").status_code == 400


def _session_cookie(response) -> str:
    cookies = response.headers.getlist("Set-Cookie")
    return next(c for c in cookies if c.startswith("session="))


def test_session_cookie_flags(client, tenant_a):
    cookie = _session_cookie(login(client, "admin@alpha.example"))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_secure_when_configured(database_url, tenant_a):
    app = make_app(database_url, SESSION_COOKIE_SECURE=True)
    cookie = _session_cookie(login(app.test_client(), "admin@alpha.example"))
    assert "Secure" in cookie
