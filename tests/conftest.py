"""Fixtures: one app per test session on TEST_DATABASE_URL (a SQLite file by default),
schema built by the migrations, and every table emptied after each test."""

from __future__ import annotations

import contextvars
import os
import re
import shutil
from contextlib import contextmanager
from types import SimpleNamespace as Ref

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text

from app import create_app
from app.extensions import db
from app.services import accounts
from app.tenancy import set_current_tenant

CSRF_INPUT = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def app_config(database_url: str, **overrides) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SECRET_KEY": "test-secret",
        "SERVER_NAME": "localhost",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        **overrides,
    }


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, as a server would: no app context, g,
    ORM session or current tenant is shared with the test code around it."""

    def open(self, *args, **kwargs):
        # buffered: the response is read and closed (teardown run) inside that context
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_app(database_url: str, **overrides) -> Flask:
    app = create_app(app_config(database_url, **overrides))
    app.test_client_class = IsolatedClient
    return app


def _reset_schema() -> None:
    engine = db.engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            db.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = make_app(database_url, UPLOAD_FOLDER=str(tmp_path_factory.mktemp("uploads")))
    with app.app_context():
        _reset_schema()
        upgrade()
    return app


@pytest.fixture
def client(app):
    """A client that keeps no request context between requests (unlike pytest-flask's)."""
    return app.test_client()


def _empty_all_tables() -> None:
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(autouse=True)
def clean_database(app):
    ctx = app.app_context()
    ctx.push()
    set_current_tenant(None)
    yield
    _empty_all_tables()
    shutil.rmtree(app.config["UPLOAD_FOLDER"], ignore_errors=True)
    set_current_tenant(None)
    ctx.pop()


@pytest.fixture
def make_tenant():
    def make(slug: str, language: str = "da", admin_email: str | None = None):
        tenant = accounts.create_tenant(slug.title() + " ApS", slug, language)
        accounts.create_user(admin_email or f"admin@{slug}.example", "secret-pass",
                             tenant=tenant, full_name=f"Admin {slug}", role="admin")
        accounts.create_user(f"user@{slug}.example", "secret-pass",
                             tenant=tenant, full_name=f"User {slug}", role="user")
        db.session.commit()
        return Ref(id=tenant.id, slug=tenant.slug, name=tenant.name)

    return make


@pytest.fixture
def tenant_a(make_tenant):
    return make_tenant("alpha", "da")


@pytest.fixture
def tenant_b(make_tenant):
    return make_tenant("beta", "pl")


@pytest.fixture
def operator():
    user = accounts.create_user("operator@platform.example", "secret-pass", tenant=None,
                                full_name="Operator")
    db.session.commit()
    return Ref(id=user.id, email=user.email)


@contextmanager
def count_queries(parameters: bool = False):
    """Collect the SQL statements sent to the database inside the block (with their
    parameters: (statement, parameters) pairs)."""
    statements: list = []

    def record(_conn, _cursor, statement, params, *_args) -> None:
        statements.append((statement, params) if parameters else statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def user_id(tenant_id: int, email: str) -> int:
    """The id of a tenant's user, by e-mail."""
    from sqlalchemy import select

    from app.models import User
    from app.tenancy import tenant_context

    with tenant_context(tenant_id):
        return db.session.scalar(select(User.id).where(User.email == email))


def login(client, email: str, password: str = "secret-pass", **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def csrf_token_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


@pytest.fixture
def admin_client(client, tenant_a):
    login(client, "admin@alpha.example")
    return client


@pytest.fixture
def user_client(client, tenant_a):
    login(client, "user@alpha.example")
    return client


def view_of(app, endpoint: str):
    """The admin screen registered under ``endpoint``."""
    [view] = [v for v in app.extensions["admin"][0]._views if v.endpoint == endpoint]
    return view


@pytest.fixture
def no_mail_server(app, monkeypatch):
    """E-mails are saved, not sent (as without MAIL_SERVER)."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")


SCRIPT_HEADERS = {"X-Requested-With": "XMLHttpRequest"}  # what the page scripts send


def entry_id(tenant_id: int, dictionary: str, key: str) -> int:
    """The id of a tenant's dictionary entry, by its key."""
    from app.services import dictionaries
    from app.tenancy import tenant_context

    with tenant_context(tenant_id):
        return dictionaries.by_key(dictionary, key).id


def reload(model, tenant_id: int, record_id: int):
    """The record as the database has it now (requests ran in their own sessions)."""
    from app.tenancy import tenant_context

    db.session.expire_all()
    with tenant_context(tenant_id):
        return db.session.get(model, record_id)


def errors_in(html: str) -> list[str]:
    """The texts of error alerts and of messages beside inputs."""
    import re

    found = re.findall(r'class="(?:invalid-feedback|alert alert-danger)[^>]*>(.*?)</div>',
                       html, re.S)
    return [" ".join(re.sub(r"<[^>]+>|&times;", " ", text).split()) for text in found]
