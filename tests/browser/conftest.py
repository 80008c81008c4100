"""Browser tests: the app served on a real port (with CSRF on, as in production) and
driven by Chromium through Playwright, for what only a browser runs — the scripts."""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.conftest import make_app

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


# Assertions wait as long as actions do (page.set_default_timeout below): on two cores
# shared by both test passes, a profile reloading after a sent form once took longer
# than Playwright's 5 s.
expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def live_url(database_url, app):
    """The app on a free local port; it shares the test database (and its uploads)."""
    served = make_app(database_url, SERVER_NAME=None, WTF_CSRF_ENABLED=True,
                      UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"],
                      SEND_FILE_MAX_AGE_DEFAULT=3600)  # a browser context fetches assets once
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@contextmanager
def new_page(browser, live_url: str, **options):
    """A page of a new browser context (Danish unless told), closed after the block."""
    context = browser.new_context(base_url=live_url, **{"locale": "da-DK", **options})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser, live_url):
    with new_page(browser, live_url) as page:
        yield page


def log_in(page, email: str, password: str = "secret-pass") -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url("**/admin/**")


def offered_persons(page) -> list[str]:
    """The persons the activity form's select2 offers, once it has fetched them."""
    from playwright.sync_api import expect

    page.click("#s2id_contacts")
    labels = page.locator(".select2-result-label")
    expect(labels.first).to_be_visible()
    return labels.all_inner_texts()
