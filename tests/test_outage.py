"""A database outage, for real: an app pointed at a PostgreSQL port where nothing listens,
or at an SQLite file in a folder that does not exist, is sent a logged-in session
cookie signed with the same SECRET_KEY. Pages answer a translated 503 that needs no
database, /healthz 503 JSON, static files 200 — never a bare 500."""

from __future__ import annotations

import pytest

from tests.conftest import login, make_app

UNREACHABLE = {
    # port 1 on the loopback: refused at once, no time-out to wait for
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/kontakt",
    "sqlite": "sqlite:///{tmp}/missing-folder/kontakt.db",
}
PAGES = ("/admin/", "/admin/contact/", "/admin/contact/1/profile", "/admin/user/",
         "/admin/password/", "/login", "/logout", "/language/sv")
DANISH = "Databasen kan ikke nås lige nu."
POLISH = "Baza danych jest w tej chwili nieosiągalna."
SWEDISH = "Databasen kan inte nås just nu."


@pytest.fixture(params=sorted(UNREACHABLE))
def down_app(request, tmp_path):
    return make_app(UNREACHABLE[request.param].format(tmp=tmp_path))


@pytest.fixture
def session_cookie(client, tenant_a) -> str:
    """A logged-in session of tenant A's user, made on the working database."""
    assert login(client, "user@alpha.example").status_code == 302
    return client.get_cookie("session").value


@pytest.fixture
def down_client(down_app, session_cookie):
    client = down_app.test_client()
    client.set_cookie("session", session_cookie)
    return client


def test_pages_answer_a_translated_503(down_client):
    for url in PAGES:
        response = down_client.get(url, headers={"Accept-Language": "da"})
        assert response.status_code == 503, url
        html = response.get_data(as_text=True)
        assert DANISH in html, url
        assert '<html lang="da">' in html


def test_the_503_page_speaks_the_sessions_language(down_client):
    with down_client.session_transaction() as session:
        session["language"] = "pl"
    response = down_client.get("/admin/contact/", headers={"Accept-Language": "da"})
    assert response.status_code == 503
    assert POLISH in response.get_data(as_text=True)


def test_posts_answer_503_too(down_client):
    response = down_client.post("/admin/contact/new/", data={"first_name": "X"},
                                headers={"Accept-Language": "sv"})
    assert response.status_code == 503
    assert SWEDISH in response.get_data(as_text=True)


def test_healthz_answers_503_json_with_a_session(down_client):
    response = down_client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}


def test_static_files_are_served_with_a_session(down_client):
    for url in ("/static/kontakt.css", "/static/kontakt/profile.js",
                "/admin/static/bootstrap/bootstrap4/css/bootstrap.min.css"):
        response = down_client.get(url)
        assert response.status_code == 200, url


def test_anonymous_visitors_get_the_503_page_where_the_database_is_asked(down_app):
    client = down_app.test_client()
    assert client.get("/login").status_code == 200  # the form needs no database
    response = client.post("/login", data={"email": "a@b.example", "password": "x" * 12},
                           headers={"Accept-Language": "da"})
    assert response.status_code == 503
    assert DANISH in response.get_data(as_text=True)
    response = client.post("/intake/alpha/lead?token=t", json={"name": "Eva"})
    assert response.status_code == 503
    assert response.is_json


def test_the_same_cookie_works_again_when_the_database_answers(client, session_cookie):
    """The outage ended nothing: the cookie still logs in at the working database."""
    assert client.get("/admin/").status_code == 200
