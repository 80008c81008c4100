"""Fixtures: one app per test session on TEST_DATABASE_URL (a SQLite file by default),
schema built by the migrations, and every table emptied after each test."""

from __future__ import annotations

import contextvars
import csv
import io
import os
import re
import shutil
import socket
import uuid
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace as Ref
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text

from app import create_app
from app.config import load_config
from app.extensions import db
from app.services import accounts, storage
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
        "JOBS_BACKEND": "immediate",  # a job runs right after the commit submitting it
        "MAIL_RETRY_DELAY": 0,  # immediate mode runs no delayed retry: at once instead
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
    """DELETE, children first, not TRUNCATE: PostgreSQL's TRUNCATE makes new files for
    every table (0.2–1 s a test on this suite's small tables); numbering starts again
    at 1 as on a new database."""
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        for table in tables:
            conn.execute(text(f"DELETE FROM {table}"))
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(format('%I.%I', schemaname, sequencename), 1, false)"
                              " FROM pg_sequences WHERE last_value IS NOT NULL"))


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


def warm_statements(client, url: str) -> tuple[Any, list[str]]:
    """The response to ``url`` asked a second time, and the statements it sent. The
    first request after a change of the tenant's field definitions reads them
    (services.fields.kept); a page's fixed number of queries is that of the others."""
    client.get(url)
    with count_queries() as statements:
        response = client.get(url)
    return response, statements


def user_id(tenant_id: int, email: str) -> int:
    """The id of a tenant's user, by e-mail."""
    from sqlalchemy import select

    from app.models import User
    from app.tenancy import tenant_context

    with tenant_context(tenant_id):
        return db.session.scalar(select(User.id).where(User.email == email))


def local_date(moment: datetime) -> date:
    """The day a time falls on in the display time zone the tests' users see (a naive
    time taken as UTC, as SQLite gives it): between 23:00 and midnight UTC it is
    already tomorrow in Copenhagen."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo("UTC"))
    return aware.astimezone(ZoneInfo(load_config()["BABEL_DEFAULT_TIMEZONE"])).date()


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


def reload(model, tenant_id: int, record_id: int, *loaded: str):
    """The record as the database has it now (requests ran in their own sessions), with
    the ``loaded`` relationships read while its tenant is current."""
    from app.tenancy import tenant_context

    db.session.expire_all()
    with tenant_context(tenant_id):
        record = db.session.get(model, record_id)
        for name in loaded if record is not None else ():
            getattr(record, name)
        return record


def load_contact(tenant_id: int, contact_id: int):
    from app.models import Contact

    return reload(Contact, tenant_id, contact_id, "tags", "responsible_user")


def load_activity(tenant_id: int, activity_id: int):
    from app.models import Activity

    return reload(Activity, tenant_id, activity_id, "contacts", "follow_up", "employee")


def records(model, tenant_id: int) -> list:
    """A tenant's rows of a model, in the order made, read afresh."""
    from sqlalchemy import select

    from app.tenancy import tenant_context

    db.session.expire_all()  # requests ran in their own sessions
    with tenant_context(tenant_id):
        return list(db.session.scalars(select(model).order_by(model.id)))


def errors_in(html: str) -> list[str]:
    """The texts of error alerts and of messages beside inputs."""
    found = re.findall(r'class="(?:invalid-feedback|alert alert-danger)[^>]*>(.*?)</div>',
                       html, re.S)
    return [" ".join(re.sub(r"<[^>]+>|&times;", " ", text).split()) for text in found]


def feedback(html: str) -> list[str]:
    """The texts of alerts and form messages (first lines), for failure reports."""
    return re.findall(r"(?:alert|feedback|help-block)[^>]*>\s*([^<]+)", html)


def translated(message: str, language: str = "da", **variables) -> str:
    """A message as the page shows it, whatever the state of the catalogs."""
    from flask_babel import force_locale, gettext
    from markupsafe import escape

    with force_locale(language):
        return str(escape(gettext(message, **variables)))


def selected_option(html: str, field: str) -> str | None:
    select_tag = re.search(rf'<select[^>]*name="{field}".*?</select>', html, re.S).group(0)
    match = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected',
                      select_tag)
    return (match.group(1) or match.group(2)) if match else None


def list_html(client, endpoint: str, query: str = "") -> str:
    """The table part of an admin list page."""
    response = client.get(f"/admin/{endpoint}/{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html[html.index("model-list"):]


def titles_in(html: str, titles: list[str]) -> list[str]:
    """The given titles in the order the page shows them."""
    found = sorted((html.index(title), title) for title in titles if title in html)
    return [title for _position, title in found]


def action_links(page: str) -> dict[str, str]:
    """{label: URL} of the profile's action bar."""
    import html as html_lib

    bar = page[page.index('id="profile-actions"'):]
    bar = bar[:bar.index("</nav>")]
    return {re.sub(r"<[^>]+>", "", label).strip(): html_lib.unescape(url)
            for url, label in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', bar, re.S)}


def switch_user(client, email: str) -> None:
    client.post("/logout")
    login(client, email)


def upload(client, owner_id: int, *files: tuple[bytes, str], kind: str = "contact"):
    """Attach (content, name) files to a contact (or ``kind``) through the screen."""
    import io

    data = {"file": [(io.BytesIO(content), name) for content, name in files]}
    return client.post(f"/admin/attachments/{kind}/{owner_id}/upload/", data=data,
                       content_type="multipart/form-data")


def post_contact(client, url: str = "/admin/contact/new/", **values):
    """Post the contact form as the browser does (multipart: it may carry a photo)."""
    return client.post(url, data=values, content_type="multipart/form-data")


def intake(client, slug: str, token: str | None, **kwargs):
    """Post to a tenant's lead intake address, with the token if one is given."""
    query = f"?token={token}" if token is not None else ""
    return client.post(f"/intake/{slug}/lead{query}", **kwargs)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 API (moto's server mode) on a free loopback port, for the session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(params=["local", "s3"])
def file_store(request, app, monkeypatch):
    """Every file of the app on local disk, then in a fresh bucket on the S3 server.
    ``stored()`` lists the keys stored (without the S3 key prefix)."""
    if request.param == "local":
        root = app.config["UPLOAD_FOLDER"]

        def local_keys() -> set[str]:
            return {str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file()}
        yield Ref(kind="local", stored=local_keys)
        return
    endpoint = request.getfixturevalue("s3_endpoint")
    for name, value in (("AWS_ACCESS_KEY_ID", "test-key"), ("AWS_SECRET_ACCESS_KEY", "x"),
                        ("AWS_CONFIG_FILE", os.devnull),
                        ("AWS_SHARED_CREDENTIALS_FILE", os.devnull)):
        monkeypatch.setenv(name, value)
    bucket = f"kontakt-{uuid.uuid4().hex[:12]}"
    config = {"ATTACHMENT_STORAGE": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": endpoint,
              "S3_REGION": "eu-north-1", "S3_PREFIX": "crm/"}
    for name, value in config.items():
        monkeypatch.setitem(app.config, name, value)
    client = storage.make_store(app.config).client
    client.create_bucket(Bucket=bucket,
                         CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})

    def s3_keys() -> set[str]:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        found = {item["Key"] for page in pages for item in page.get("Contents", [])}
        assert all(key.startswith("crm/") for key in found)
        return {key.removeprefix("crm/") for key in found}
    yield Ref(kind="s3", stored=s3_keys, client=client, bucket=bucket)


def folder_of(app, tenant_id: int):
    """Where a tenant's attached files are stored."""
    from pathlib import Path

    return Path(app.config["UPLOAD_FOLDER"]) / f"tenant-{tenant_id}" / "attachments"


# --- list filters -------------------------------------------------------------------


@contextmanager
def _english_request(app, tenant_id: int | None):
    """A request of its own (fresh g: the views cache per-request attributes there) in
    English, as the tenant if one is given."""
    from flask_babel import force_locale

    from app.tenancy import tenant_context

    with app.app_context(), app.test_request_context(), force_locale("en"):
        if tenant_id is None:
            yield
        else:
            with tenant_context(tenant_id):
                yield


def filters_of(app, endpoint: str, tenant_id: int | None = None) -> list[tuple[str, object]]:
    """(URL argument, filter) of every filter of an admin list as a request of the
    tenant sees them (its configurable fields too; without a tenant, the fixed ones).
    The one place that reads Flask-Admin's filter list."""
    view = view_of(app, endpoint)
    with _english_request(app, tenant_id):
        return [(view.get_filter_arg(index, flt), flt)
                for index, flt in enumerate(view._filters or [])]


def filter_arg(app, endpoint: str, column: str, op: str, *, tenant_id: int | None = None,
               position: int = 0) -> str:
    """The URL argument (``flt0_12``) of a list filter. ``column``: the model attribute
    filtered, the configurable field's key (give ``tenant_id``), or the filter's English
    name where one attribute has several (a contact's tag and organisation, both on id);
    ``op``: the English operation as the filter menu shows it ("equals", "between")."""
    found = []
    filters = filters_of(app, endpoint, tenant_id)
    with _english_request(app, tenant_id):
        for arg, flt in filters:
            names = {getattr(getattr(flt, "column", None), "key", None), str(flt.name),
                     getattr(getattr(flt, "field", None), "key", None)}
            if column in names and str(flt.operation()) == op:
                found.append(arg)
    assert len(found) == 1, f"{endpoint}: {len(found)} filters {column!r} {op!r}"
    return f"flt{position}_{found[0]}"


# A database or server message in a page: never shown to people.
LEAKS = re.compile(r"DataError|psycopg|sqlite3|\[SQL:|Traceback|NUL \(0x00\)")

# A tenant as an older schema held it, for tests that upgrade an old database.
OLD_TENANT = ("INSERT INTO tenant (id, name, slug, default_language, active, settings, "
              "created_at, updated_at) VALUES (1, 'Gammel', 'gammel', 'da', 1, '{}', "
              "'2026-01-01', '2026-01-01')")


def export_csv(client, path: str, query: str = "", delimiter: str = ";") -> list[list[str]]:
    """A list's CSV export read as Excel reads it: UTF-8 after a byte-order mark,
    cells split at the language's separator (";" for da/sv/pl, "," for en)."""
    response = client.get(f"/admin/{path}/export/csv/{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
