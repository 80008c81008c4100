"""Security headers (issue 12, point 7): every HTML page of a crawl over the demo data
has a Content-Security-Policy under which only our origin's scripts and scripts with
the response's nonce run, and its HTML has no inline handler or javascript: link;
pages for a logged-in user are not stored by caches; HSTS goes with
SESSION_COOKIE_SECURE; PROXY_FIX makes the client's address the one behind the proxy."""

from __future__ import annotations

import contextvars
import re
from html.parser import HTMLParser

import pytest
from flask import request
from flask_admin.contrib.sqla import ModelView
from flask_limiter.util import get_remote_address
from sqlalchemy import select

from app.extensions import db
from app.models import Contact, Tenant
from app.security import ADMIN_TEMPLATE_REWRITES, ADMIN_WORDING_REWRITES, admin_templates_loader
from app.tenancy import tenant_context
from tests.conftest import SCRIPT_HEADERS, login, make_app
from tests.factories import gen_profile_contact

DEMO_ADMIN = ("admin@nordisk.example", "demo-admin")
DEMO_OPERATOR = ("operator@kontakt.example", "demo-operator")
HANDLER = re.compile(r"on[a-z]+")
TAB_LINK = re.compile(r'id="tab-[a-z_]+"\s+href="(\?[^"#]*)')
ACTION_FORM = re.compile(r'data-activity-form="([^"]+)"')


def policy_of(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


class PageScan(HTMLParser):
    """What a page's markup would ask a browser to run outside our script files."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inline_script_nonces: list[str | None] = []
        self.forbidden: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not values.get("src"):
            self.inline_script_nonces.append(values.get("nonce"))
        for name, value in attrs:
            if HANDLER.fullmatch(name):
                self.forbidden.append(f"<{tag} {name}=…>")
            if name == "style":
                self.forbidden.append(f"<{tag} style={value!r}>")
            if value and "".join(value.split()).lower().startswith("javascript:"):
                self.forbidden.append(f"<{tag} {name}={value!r}>")


def problems_of(response) -> list[str]:
    """What is wrong with one HTML response's policy and markup."""
    policy = policy_of(response)
    scripts = policy.get("script-src", [])
    nonces = [s[len("'nonce-"):-1] for s in scripts if s.startswith("'nonce-")]
    found = [f"{name} is {policy.get(name)}" for name, wanted in (
        ("default-src", ["'self'"]), ("object-src", ["'none'"]), ("base-uri", ["'self'"]),
        ("form-action", ["'self'"]), ("frame-ancestors", ["'self'"]),
        ("style-src", ["'self'"])) if policy.get(name) != wanted]
    if "'self'" not in scripts or len(nonces) != 1 or {"'unsafe-inline'", "'unsafe-eval'"
                                                         } & set(scripts):
        found.append(f"script-src is {scripts}")
    scan = PageScan()
    scan.feed(response.get_data(as_text=True))
    found += [f"inline script with nonce {n!r}" for n in scan.inline_script_nonces
              if not nonces or n != nonces[0]]
    return found + scan.forbidden


def seed_demo(app) -> None:
    result = contextvars.Context().run(
        app.test_cli_runner().invoke, args=["crm", "seed-demo", "--contacts", "5"])
    assert result.exit_code == 0, result.output


def admin_pages(app, client) -> list[str]:
    """Every admin screen the user may open: lists with their create, edit and details
    pages (for the first record a list shows), and the other screens."""
    admin = app.extensions["admin"][0]
    urls = []
    for view in admin._views:
        index = client.get(view.url + "/")
        if index.status_code != 200:
            continue
        urls.append(view.url + "/")
        if not isinstance(view, ModelView):
            continue
        html = index.get_data(as_text=True)
        if f'href="{view.url}/new/' in html:  # the user may create
            urls.append(view.url + "/new/")
        first = re.search(re.escape(view.url) + r"/details/\?id=(\d+)", html)
        if first:
            urls.append(f"{view.url}/details/?id={first[1]}")
            if f"{view.url}/edit/?id={first[1]}" in html:
                urls.append(f"{view.url}/edit/?id={first[1]}")
    return urls


def profile_pages(client, tenant_slug: str) -> list[str]:
    """A contact's profile, its tabs, a panel's form and the action bar's forms."""
    with tenant_context(tenant_id_of(tenant_slug)):
        contact_id = db.session.scalar(select(Contact.id).order_by(Contact.id))
    profile = f"/admin/contact/{contact_id}/profile"
    html = client.get(profile).get_data(as_text=True)
    tabs = [profile + query.replace("&amp;", "&") for query in TAB_LINK.findall(html)]
    forms = [url.replace("&amp;", "&") for url in ACTION_FORM.findall(html)]
    assert tabs and forms
    return [profile, *tabs, *forms, f"{profile}/panel/about/edit"]


def tenant_id_of(slug: str) -> int:
    from app.tenancy import all_tenants

    with all_tenants():
        return db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))


def crawl(client, urls: list[str], signed_in: bool) -> dict[str, list[str]]:
    """Each HTML page's problems (policy, markup, caching), by URL."""
    report = {}
    for url in urls:
        fragment = "fragment=1" in url or "/panel/" in url  # also asked for by script
        for headers in ({}, SCRIPT_HEADERS) if fragment else ({},):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, (url, response.status_code)
            assert response.mimetype == "text/html", url
            found = problems_of(response)
            if signed_in and response.headers.get("Cache-Control") != "no-store":
                found.append(f"Cache-Control is {response.headers.get('Cache-Control')}")
            if found:
                report[url + (" (script)" if headers else "")] = found
    return report


def test_every_page_has_a_policy_without_inline_scripts(app, client):
    seed_demo(app)
    assert crawl(client, ["/login"], signed_in=False) == {}
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and problems_of(missing) == []

    login(client, *DEMO_ADMIN)
    urls = [*admin_pages(app, client), *profile_pages(client, "nordisk")]
    for wanted in ("/admin/contact/", "/admin/contact/new/", "/admin/organisation/edit/",
                   "/admin/contact/details/", "/admin/case/new/", "/admin/task/",
                   "/admin/activity/new/", "/admin/lead/details/", "/admin/settings/",
                   "/admin/fields/", "/admin/dictionaries/", "/admin/user/edit/"):
        assert any(url.startswith(wanted) for url in urls), wanted
    assert crawl(client, urls, signed_in=True) == {}

    client.post("/logout")
    login(client, *DEMO_OPERATOR)
    operator_urls = admin_pages(app, client)
    assert any(url.startswith("/admin/tenant/edit/") for url in operator_urls)
    assert crawl(client, operator_urls, signed_in=True) == {}


def test_admin_template_rewrites_still_match_flask_admin(app):
    """Each rewrite of Flask-Admin's templates still finds its text (an upgrade that
    changed it would otherwise bring the inline handler back unseen)."""
    loader = admin_templates_loader()
    sources = [loader.inner.get_source(app.jinja_env, name)[0]
               for name in loader.list_templates() if name.startswith("admin/")]
    for old, _new in ADMIN_TEMPLATE_REWRITES + ADMIN_WORDING_REWRITES:
        assert any(old in source for source in sources), old


def test_static_files_stay_cacheable_for_a_signed_in_user(admin_client):
    for url in ("/static/kontakt/behaviours.js", "/admin/static/admin/js/helpers.js"):
        response = admin_client.get(url)
        assert response.status_code == 200
        assert response.headers.get("Cache-Control") != "no-store", url
    assert admin_client.get("/admin/").headers["Cache-Control"] == "no-store"


def test_page_keeps_nosniff_and_referrer_policy(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "Cache-Control" not in response.headers or \
        "no-store" not in response.headers["Cache-Control"]


@pytest.mark.parametrize(("secure_cookie", "scheme", "expected"), [
    (True, "https", "max-age=31536000; includeSubDomains"),
    (True, "http", None),  # RFC 6797: never over plain HTTP
    (False, "https", None),
])
def test_hsts_goes_with_secure_session_cookies(database_url, secure_cookie, scheme, expected):
    app = make_app(database_url, SESSION_COOKIE_SECURE=secure_cookie)
    response = app.test_client().get("/login", base_url=f"{scheme}://localhost")
    assert response.status_code == 200
    assert response.headers.get("Strict-Transport-Security") == expected
    assert app.config["SESSION_COOKIE_SECURE"] is secure_cookie


def echo_app(database_url: str, **config):
    """The app with a route answering the client address the rate limit counts by."""
    app = make_app(database_url, **config)
    app.add_url_rule("/test-client-address", "client_address", get_remote_address)
    app.add_url_rule("/test-is-secure", "is_secure", lambda: str(request.is_secure))
    return app


@pytest.mark.parametrize(("proxy_fix", "seen"), [(1, "203.0.113.7"), (0, "10.0.0.1")])
def test_proxy_fix_shows_the_client_behind_the_proxy(database_url, proxy_fix, seen):
    app = echo_app(database_url, PROXY_FIX=proxy_fix, SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    environ = {"REMOTE_ADDR": "10.0.0.1"}
    response = client.get("/test-client-address", headers=forwarded, environ_base=environ)
    assert response.get_data(as_text=True) == seen
    secure = client.get("/test-is-secure", headers=forwarded, environ_base=environ)
    assert secure.get_data(as_text=True) == str(bool(proxy_fix))


def test_proxy_fix_trusts_only_as_many_hops_as_configured(database_url):
    app = echo_app(database_url, PROXY_FIX=1)
    response = app.test_client().get(
        "/test-client-address", environ_base={"REMOTE_ADDR": "10.0.0.1"},
        headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7"})  # first one sent by the client
    assert response.get_data(as_text=True) == "203.0.113.7"


def test_list_delete_button_asks_through_data_confirm(admin_client):
    """The list's delete buttons send the page's delete form, which asks through
    data-confirm, in the page's language."""
    tenant_id = tenant_id_of("alpha")
    gen_profile_contact(tenant_id)
    html = admin_client.get("/admin/contact/").get_data(as_text=True)
    asked = re.search(r'<form id="kontakt-delete-row"[^>]*data-confirm="([^"]+)"', html)
    assert asked and "Are you sure" not in asked.group(1)  # Danish
    assert re.search(r'<button type="submit" form="kontakt-delete-row" name="id" '
                     r'value="\d+" class="icon" title="[^"]+">', html)
    assert "safeConfirm" not in html
