"""Revocable sessions: a copied session cookie stops working after logout, after a
password change and after an administrator's reset. Logout and saving the language to
the account are POSTs with CSRF; an unknown e-mail costs a password comparison too."""

from __future__ import annotations

import pytest

from app.auth.sessions import SESSION_VERSION_KEY
from app.extensions import db
from app.models import User
from app.tenancy import all_tenants
from tests.conftest import csrf_token_from, errors_in, login, make_app, user_id

NEW_PASSWORD = "kayak-lantern-orbit"


def copy_of(app, client):
    """A second browser holding a copy of the client's session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def user_named(email: str) -> User:
    db.session.expire_all()
    with all_tenants():
        return db.session.query(User).filter_by(email=email).one()


def test_login_stores_the_session_version(client, tenant_a):
    login(client, "user@alpha.example")
    with client.session_transaction() as session:
        assert session[SESSION_VERSION_KEY] == user_named("user@alpha.example").session_version


def test_a_copied_cookie_stops_working_after_logout(app, client, tenant_a):
    login(client, "user@alpha.example")
    thief = copy_of(app, client)
    assert logged_in(thief)
    assert client.post("/logout").status_code == 302
    assert not logged_in(client)
    response = thief.get("/admin/contact/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_logout_ends_the_sessions_on_other_devices_too(app, tenant_a):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "user@alpha.example")
    login(phone, "user@alpha.example")
    laptop.post("/logout")
    assert not logged_in(phone)
    login(phone, "user@alpha.example")  # a new login works at once
    assert logged_in(phone)


def test_a_get_of_logout_only_asks(client, tenant_a):
    login(client, "user@alpha.example")
    page = client.get("/logout")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'method="post"' in html and 'action="/logout"' in html
    assert logged_in(client)


def test_the_user_menu_logs_out_with_a_posted_form(client, tenant_a):
    login(client, "user@alpha.example")
    menu = client.get("/admin/").get_data(as_text=True)
    assert '<form method="post" action="/logout">' in menu
    assert 'href="/logout"' not in menu
    assert 'href="/admin/password/"' in menu


def test_changing_the_password_ends_the_other_sessions_only(app, client, tenant_a):
    login(client, "user@alpha.example")
    thief = copy_of(app, client)
    response = client.post("/admin/password/", data={
        "current_password": "secret-pass", "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert logged_in(client)  # the session that changed it goes on
    assert not logged_in(thief)
    client.post("/logout")
    assert login(client, "user@alpha.example").status_code == 401
    assert login(client, "user@alpha.example", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(("current", "new", "repeat", "field_error"), [
    ("wrong-password", NEW_PASSWORD, NEW_PASSWORD, "The current password is wrong."),
    ("secret-pass", NEW_PASSWORD, NEW_PASSWORD + "x", "The new passwords differ."),
    ("secret-pass", "short-pw", "short-pw", "at least 12 characters"),
    ("secret-pass", "password1234", "password1234", "too common"),
    ("secret-pass", "secret-pass", "secret-pass", "must differ from the current one"),
])
def test_a_refused_password_change_keeps_everything(app, client, tenant_a, current, new,
                                                    repeat, field_error):
    login(client, "user@alpha.example")
    client.get("/language/en")  # the messages below in English
    thief = copy_of(app, client)
    response = client.post("/admin/password/", data={
        "current_password": current, "new_password": new, "confirm_password": repeat})
    assert response.status_code == 200
    assert any(field_error in error for error in errors_in(response.get_data(as_text=True)))
    assert logged_in(thief)
    assert user_named("user@alpha.example").check_password("secret-pass")


def test_the_operator_changes_the_own_password_too(client, operator):
    login(client, operator.email)
    assert client.get("/admin/password/").status_code == 200
    response = client.post("/admin/password/", data={
        "current_password": "secret-pass", "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert user_named(operator.email).check_password(NEW_PASSWORD)


def test_the_password_page_needs_a_login(client):
    response = client.get("/admin/password/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def _reset(admin_client, target_id: int, password: str):
    admin_client.get("/language/en")  # the messages in English
    user = user_named_by_id(target_id)
    return admin_client.post(f"/admin/user/edit/?id={target_id}", data={
        "full_name": user.full_name, "email": user.email, "role": user.role,
        "language": "", "active": "y", "password": password})


def user_named_by_id(target_id: int) -> User:
    db.session.expire_all()
    with all_tenants():
        return db.session.get(User, target_id)


def test_an_administrators_reset_ends_the_users_sessions(app, admin_client, tenant_a):
    victim = app.test_client()
    login(victim, "user@alpha.example")
    target = user_id(tenant_a.id, "user@alpha.example")
    assert _reset(admin_client, target, NEW_PASSWORD).status_code == 302
    assert not logged_in(victim)
    assert login(victim, "user@alpha.example", NEW_PASSWORD).status_code == 302


def test_a_reset_follows_the_policy(admin_client, tenant_a):
    target = user_id(tenant_a.id, "user@alpha.example")
    response = _reset(admin_client, target, "qwerty123456")
    assert response.status_code == 200
    assert any("too common" in error for error in errors_in(response.get_data(as_text=True)))
    assert user_named_by_id(target).check_password("secret-pass")


def test_an_administrator_changes_the_own_password_on_the_password_page(
        admin_client, tenant_a):
    own = user_id(tenant_a.id, "admin@alpha.example")
    response = _reset(admin_client, own, NEW_PASSWORD)
    assert response.status_code == 200
    assert any("user menu" in error for error in errors_in(response.get_data(as_text=True)))
    assert user_named_by_id(own).check_password("secret-pass")


def test_no_reset_of_another_tenants_user(admin_client, tenant_a, tenant_b):
    foreign = user_id(tenant_b.id, "user@beta.example")
    admin_client.post(f"/admin/user/edit/?id={foreign}", data={
        "full_name": "X", "email": "user@beta.example", "role": "user", "language": "",
        "active": "y", "password": NEW_PASSWORD})
    assert user_named_by_id(foreign).check_password("secret-pass")


def test_an_unknown_email_costs_a_password_comparison(client, tenant_a, monkeypatch):
    """Timing must not tell which e-mails have an account: an unknown one is compared
    with a dummy hash, as often as a known one with its own."""
    import app.models.user as user_module

    calls = []
    real = user_module.check_password_hash

    def counting(password_hash: str, password: str) -> bool:
        calls.append(password_hash.split("$", 1)[0])
        return real(password_hash, password)

    monkeypatch.setattr(user_module, "check_password_hash", counting)
    assert login(client, "nobody@alpha.example", "some-password").status_code == 401
    unknown = list(calls)
    calls.clear()
    assert login(client, "user@alpha.example", "some-password").status_code == 401
    assert len(unknown) == len(calls) == 1
    assert unknown == calls  # the same hash method, so the same cost


@pytest.fixture
def csrf_app(database_url):
    return make_app(database_url, WTF_CSRF_ENABLED=True)


def _csrf_login(client, email: str) -> str:
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    login(client, email, csrf_token=token)
    # the login starts a new session, with a new CSRF secret
    return csrf_token_from(client.get("/admin/").get_data(as_text=True))


def test_saving_the_language_needs_a_post_with_the_csrf_token(csrf_app, tenant_a):
    client = csrf_app.test_client()
    token = _csrf_login(client, "user@alpha.example")
    assert client.post("/language/sv").status_code == 400
    assert user_named("user@alpha.example").language is None
    assert client.get("/language/sv").status_code == 302  # this session only
    assert user_named("user@alpha.example").language is None
    response = client.post("/language/pl", data={"csrf_token": token, "next": "/admin/"})
    assert response.headers["Location"] == "/admin/"
    assert user_named("user@alpha.example").language == "pl"


def test_the_language_menu_posts_with_the_csrf_token(csrf_app, tenant_a):
    client = csrf_app.test_client()
    _csrf_login(client, "user@alpha.example")
    menu = client.get("/admin/").get_data(as_text=True)
    assert '<form method="post" action="/language/sv?next=/admin/">' in menu
    assert 'href="/language/' not in menu


def test_logout_with_the_csrf_token_from_the_confirm_page(csrf_app, tenant_a):
    client = csrf_app.test_client()
    _csrf_login(client, "user@alpha.example")
    assert client.post("/logout").status_code == 400
    assert logged_in(client)
    token = csrf_token_from(client.get("/logout").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert not logged_in(client)
