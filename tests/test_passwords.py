"""The password policy: one service function, used by create-user on the command line,
the users screen, a new tenant's first administrator, the change-password page and an
administrator's reset; each refusal a translated message beside its input."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from app.extensions import db
from app.models import User
from app.services.passwords import (
    MAX_PASSWORD_LENGTH,
    PasswordRefused,
    check_password_policy,
    common_passwords,
)
from app.tenancy import all_tenants
from tests.conftest import errors_in, login

GOOD = ("kayak-lantern-orbit", "correct horse battery", "Tr0ub4dor&3x!",
        "æøå-lørdag-morgen", "Zw8#" * (MAX_PASSWORD_LENGTH // 4 - 1) + "end!")


@pytest.mark.parametrize("password", GOOD)
def test_good_passwords_pass(app, password):
    check_password_policy(password)


@pytest.mark.parametrize(("password", "rule"), [
    ("", "empty"),
    (" " * 20, "empty"),
    ("\t\n  \u00a0 " * 4, "empty"),
    ("short-pass1", "at least 12"),
    ("x1!" * 43, "at most 128"),
    ("password1234", "too common"),      # a common password with digits after it
    ("1234password!!", "too common"),     # … around it
    ("qwertyuiop!2024", "too common"),    # a keyboard row
    ("dragondragondragon", "too common"), # a common one repeated
    ("PassWord2024!", "too common"),      # case does not help
    ("aaaaaaaaaaaaaaaa", "too common"),   # too few different characters
    ("121212121212", "too common"),
])
def test_weak_passwords_are_refused_with_a_reason(app, password, rule):
    assert rule in _refusal(app, password, "en")


def test_the_list_of_common_passwords_ships_with_the_package():
    common = common_passwords()
    assert len(common) > 10000
    assert {"password", "123456", "qwerty", "iloveyou"} <= common


def _refusal(app, password: str, language: str) -> str:
    with app.test_request_context(), force_locale(language):
        try:
            check_password_policy(password)
        except PasswordRefused as refused:
            return str(refused)
    raise AssertionError(f"{password!r} was not refused")


@pytest.mark.parametrize(("language", "text"), [
    ("da", "Adgangskoden skal være på mindst 12 tegn."),
    ("sv", "Lösenordet måste vara minst 12 tecken långt."),
    ("pl", "Hasło musi mieć co najmniej 12 znaków."),
])
def test_refusals_are_translated(app, language, text):
    assert _refusal(app, "too-short", language) == text
    for weak in (" " * 13, "y" * 200, "password1234"):
        assert _refusal(app, weak, language) != _refusal(app, weak, "en"), weak


def test_create_user_on_the_command_line_follows_the_policy(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["crm", "create-tenant", "--name", "T", "--slug", "tee"])
    for weak in ("short", "password1234", " " * 14):
        result = runner.invoke(args=["crm", "create-user", "--email", "a@tee.example",
                                     "--password", weak, "--tenant", "tee"])
        assert result.exit_code != 0, weak
    assert "at least 12" in result.output or "spaces" in result.output
    with all_tenants():
        assert db.session.query(User).filter_by(email="a@tee.example").count() == 0
    result = runner.invoke(args=["crm", "create-user", "--email", "a@tee.example",
                                 "--password", "kayak-lantern-orbit", "--tenant", "tee"])
    assert result.exit_code == 0, result.output


def _new_user(admin_client, password: str):
    admin_client.get("/language/en")
    return admin_client.post("/admin/user/new/", data={
        "full_name": "New", "email": "new@alpha.example", "role": "user", "language": "",
        "active": "y", "password": password})


@pytest.mark.parametrize(("password", "message"), [
    ("", "cannot be empty"),
    ("   " * 5, "cannot be empty"),
    ("short-pw", "at least 12"),
    ("letmein-" + "x" * 130, "at most 128"),
    ("iloveyou2024", "too common"),
])
def test_the_users_screen_refuses_weak_passwords(admin_client, tenant_a, password, message):
    response = _new_user(admin_client, password)
    assert response.status_code == 200
    assert any(message in error for error in errors_in(response.get_data(as_text=True)))
    with all_tenants():
        assert db.session.query(User).filter_by(email="new@alpha.example").count() == 0


def test_the_users_screen_takes_a_good_password(client, admin_client, tenant_a):
    assert _new_user(admin_client, "kayak-lantern-orbit").status_code == 302
    admin_client.post("/logout")
    assert login(client, "new@alpha.example", "kayak-lantern-orbit").status_code == 302


def test_a_new_tenants_administrator_gets_a_password_by_the_policy(client, operator):
    login(client, operator.email)
    client.get("/language/en")
    form = {"name": "Gamma", "slug": "gamma", "default_language": "en", "active": "y",
            "admin_email": "boss@gamma.example", "admin_name": "Boss"}
    response = client.post("/admin/tenant/new/", data={**form, "admin_password": "abc123abc123"})
    assert response.status_code == 200
    assert any("too common" in error for error in errors_in(response.get_data(as_text=True)))
    response = client.post("/admin/tenant/new/",
                           data={**form, "admin_password": "kayak-lantern-orbit"})
    assert response.status_code == 302
    with all_tenants():
        assert db.session.query(User).filter_by(email="boss@gamma.example").count() == 1


def test_the_demo_passwords_still_log_in(app, client):
    """The documented demo logins sit below the policy on purpose: seeding sets them
    through accounts.create_user, which takes the password as given."""
    from app.services import accounts

    tenant = accounts.create_tenant("Demo", "demo", "da")
    accounts.create_user("admin@demo.example", "demo-admin", tenant=tenant, role="admin")
    db.session.commit()
    assert login(client, "admin@demo.example", "demo-admin").status_code == 302
