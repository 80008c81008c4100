"""Four languages: user's choice, then session, then tenant default, then browser."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import User
from app.tenancy import all_tenants
from tests.conftest import login

DANISH_DASHBOARD = "Kontrolpanel"
POLISH_DASHBOARD = "Pulpit"
SWEDISH_DASHBOARD = "Översikt"


def html_lang(response) -> str:
    return re.search(r'<html lang="([a-z]+)">', response.get_data(as_text=True)).group(1)


def test_tenant_default_language_applies_after_login(client, tenant_a, tenant_b):
    login(client, "admin@alpha.example")
    response = client.get("/admin/")
    assert html_lang(response) == "da"
    assert DANISH_DASHBOARD in response.get_data(as_text=True)
    client.post("/logout")
    login(client, "admin@beta.example")
    response = client.get("/admin/")
    assert html_lang(response) == "pl"
    assert POLISH_DASHBOARD in response.get_data(as_text=True)


def _account_language(email: str) -> str | None:
    db.session.expire_all()
    with all_tenants():
        return db.session.query(User).filter_by(email=email).one().language


def test_switching_language_is_remembered_for_the_user(client, tenant_a):
    login(client, "admin@alpha.example")
    response = client.post("/language/sv?next=/admin/user/")
    assert response.headers["Location"] == "/admin/user/"
    page = client.get("/admin/")
    assert html_lang(page) == "sv"
    assert SWEDISH_DASHBOARD in page.get_data(as_text=True)
    client.post("/language/pl", data={"next": "/admin/"})
    assert html_lang(client.get("/admin/")) == "pl"
    assert _account_language("admin@alpha.example") == "pl"


def test_a_get_switches_the_session_but_never_writes_the_account(client, tenant_a):
    login(client, "admin@alpha.example")
    client.post("/language/sv")
    client.get("/language/pl")
    assert html_lang(client.get("/admin/")) == "pl"  # this session's choice
    assert _account_language("admin@alpha.example") == "sv"
    client.post("/logout")
    login(client, "admin@alpha.example")
    assert html_lang(client.get("/admin/")) == "sv"  # the saved choice


def test_users_own_choice_beats_the_session(client, tenant_a):
    with all_tenants():
        db.session.query(User).filter_by(email="user@alpha.example").one().language = "sv"
        db.session.commit()
    client.get("/language/pl")  # chosen before login: kept in the session
    login(client, "user@alpha.example")
    assert html_lang(client.get("/admin/")) == "sv"


def test_session_beats_the_tenant_default(client, tenant_a):
    with client.session_transaction() as session:
        session["language"] = "sv"
    login(client, "admin@alpha.example")
    # logging in starts a fresh session; the login page language is then the tenant's
    assert html_lang(client.get("/admin/")) == "da"
    client.get("/language/sv")
    assert html_lang(client.get("/admin/")) == "sv"


def test_browser_language_before_login(client):
    for header, expected in (("pl,en;q=0.5", "pl"), ("sv-SE", "sv"), ("da", "da"),
                             ("fr", "en")):
        response = client.get("/login", headers={"Accept-Language": header})
        assert html_lang(response) == expected, header
    danish = client.get("/login", headers={"Accept-Language": "da"}).get_data(as_text=True)
    assert "Adgangskode" in danish


def test_unknown_language_is_404(client):
    assert client.get("/language/xx").status_code == 404


def test_language_switch_refuses_foreign_next(client):
    response = client.get("/language/da?next=//evil.example")
    assert response.headers["Location"] == "/admin/"


def test_flask_admin_strings_are_translated(client, tenant_a):
    login(client, "admin@alpha.example")
    page = client.get("/admin/user/").get_data(as_text=True)
    assert "Opret" in page  # Flask-Admin's own "Create", from its Danish catalog
    assert "Brugere" in page


def test_form_validation_messages_in_danish(client, tenant_a):
    """WTForms ships no Danish catalog; ours supplies its messages."""
    login(client, "admin@alpha.example")
    response = client.post("/admin/user/new/", data={"email": "", "full_name": "X",
                                                     "role": "user"})
    assert response.status_code == 200
    assert "Dette felt er påkrævet." in response.get_data(as_text=True)


def test_dates_and_numbers_follow_the_locale(client, tenant_a):
    login(client, "admin@alpha.example")
    client.get("/language/da")
    danish = client.get("/admin/").get_data(as_text=True)
    client.get("/language/en")
    english = client.get("/admin/").get_data(as_text=True)
    danish_today = re.search(r'id="today">([^<]+)<', danish).group(1)
    english_today = re.search(r'id="today">([^<]+)<', english).group(1)
    assert danish_today != english_today
    days_da = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
    assert any(day in danish_today for day in days_da)
