"""The crawl (issue 16): as each demo-like user of a Danish, a Swedish and a Polish tenant
(the administrator, the user, the platform operator), open every menu entry and every
create, edit and details page reachable from it — the pages are Flask-Admin's list and
form endpoints of the URL map, found as links on the lists — plus the contact and
organisation profiles with each of their tabs, and send every create form back once,
empty, to see its errors.

Every page fails on English left on it (any word of four letters or more from
Flask-Admin's and our English messages that the language does not share and the
records do not hold), on "__None", on a script error or console error, and on any
serious or critical axe-core violation (each screen axed once, in one of the three
languages, to keep the time down). Screenshots of
the contact list, the contact form and the profile go to tests/browser/screenshots/."""

from __future__ import annotations

import os
import re
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import flask_admin
import pytest
from axe_playwright_python.sync_playwright import Axe
from babel.messages.pofile import read_po
from flask import current_app
from sqlalchemy import String, Text, select
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.services import accounts
from app.tenancy import all_tenants
from tests.browser.conftest import log_in
from tests.factories import gen_every_screen

LOCALES = {"da": "da-DK", "sv": "sv-SE", "pl": "pl-PL"}
BLOCKING = ("serious", "critical")
SCREENSHOTS = Path(__file__).parent / "screenshots"
CATALOGS = Path(__file__).parents[2] / "app" / "translations"
FLASK_ADMIN_CATALOG = (Path(flask_admin.__file__).parent / "translations" / "da"
                       / "LC_MESSAGES" / "admin.po")
WORD = re.compile(r"[^\W\d_]{4,}")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
# The pages a form opens from: Flask-Admin's, and our own screens' "new …"/"edit …".
FORM_PAGE = re.compile(r"\.(create_view|edit_view|details_view|profile_view|new_\w+|edit_\w+)$")

# Elements that carry data for the scripts, not text: Flask-Admin's JSON (filters, action
# confirmations) and inline-form templates, ours for the filter lookups and the in-place
# editors' choices.
DATA_HOLDERS = ("script, style, noscript, template, [id$='-data'], .inline-field-template, "
                "#kontakt-lookup-labels, .kontakt-editor-choices")
# What a page shows: its title, its text (hidden menus and options too) and the texts
# of attributes a person meets (tooltips, placeholders, names read out, button values).
PAGE_TEXT = """(DATA) => {
  const parts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    const part = parent && parent.closest('[lang]');  // a text marked as another language's
    if (parent && !parent.closest(DATA) && part.lang === document.documentElement.lang) {
      parts.push(walker.currentNode.nodeValue);
    }
  }
  // Texts the scripts show from data holders: a filter's column and operator names and
  // its choices (before any filter is opened), the lookups' labels, the pickers' and
  // select boxes' texts.
  const strings = function (value) {
    if (typeof value === 'string') { parts.push(value); }
    else if (value && typeof value === 'object') { Object.values(value).forEach(strings); }
  };
  const groups = document.getElementById('filter-groups-data');
  if (groups) {
    Object.entries(JSON.parse(groups.textContent)).forEach(function ([name, filters]) {
      parts.push(name);
      filters.forEach(function (filter) {
        parts.push(filter.operation);
        (filter.options || []).forEach(option => parts.push(String(option[1])));
      });
    });
  }
  const lookups = document.getElementById('kontakt-lookup-labels');
  if (lookups) { strings(JSON.parse(lookups.textContent)); }
  document.querySelectorAll('.kontakt-editor-choices').forEach(function (choices) {
    JSON.parse(choices.textContent).forEach(choice => parts.push(choice.text));
  });
  Object.entries(document.body.dataset).forEach(function ([name, value]) {
    if (name.startsWith('text')) { parts.push(value); }
    else if (name === 'datePicker') {
      const picker = JSON.parse(value);
      strings([picker.daysOfWeek, picker.monthNames, picker.applyLabel, picker.cancelLabel,
               picker.fromLabel, picker.toLabel]);  // its formats are not words
    }
  });
  const attributes = ['title', 'placeholder', 'aria-label', 'alt', 'data-placeholder'];
  document.querySelectorAll('*').forEach(function (element) {
    attributes.forEach(function (name) {
      if (element.hasAttribute(name)) { parts.push(element.getAttribute(name)); }
    });
    if (element.matches('input[type=submit], input[type=button]')) { parts.push(element.value); }
  });
  return parts;
}"""


def _words(text: str) -> set[str]:
    return {word.lower() for word in WORD.findall(PLACEHOLDER.sub(" ", text))}


def _catalog(path: Path):
    with path.open("rb") as file:
        return read_po(file)


def _texts(message_part) -> list[str]:
    if isinstance(message_part, (tuple, list)):
        return [text for text in message_part if text]
    return [message_part] if message_part else []


@cache
def english_words(language: str) -> frozenset[str]:
    """The words of Flask-Admin's and our English messages, less those our catalog for
    ``language`` uses itself (Status, Type, Note … are Danish too)."""
    ours = _catalog(CATALOGS / language / "LC_MESSAGES" / "messages.po")
    english: set[str] = set()
    for catalog in (ours, _catalog(FLASK_ADMIN_CATALOG)):
        for message in catalog:
            for text in _texts(message.id):
                english |= _words(text)
    shared = set()
    for message in ours:
        for text in _texts(message.string):
            shared |= _words(text)
    return frozenset(english - shared)


def in_context(words: list[str], parts: list[str]) -> list[str]:
    """Each word with the text it was found in (shortened)."""
    found = []
    for word in words:
        part = next(p for p in parts if word in _words(p))
        found.append(f"{word} in {' '.join(part.split())[:80]!r}")
    return found


def record_words() -> set[str]:
    """Every word the records hold (names, titles, e-mail addresses …): a page may show
    them whatever its language."""
    words: set[str] = set()
    with all_tenants():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
            for column in columns:
                for value in db.session.scalars(select(column).distinct()):
                    if value:
                        words |= _words(str(value))
    return words


@dataclass
class Crawl:
    """One language's walk: the pages opened and what was wrong on them."""

    page: object
    language: str
    allowed: set[str]
    problems: list[str] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # scripts', since the last check
    axed: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.page.on("pageerror", lambda error: self.errors.append(f"script error: {error}"))
        self.page.on("console", lambda message: self.errors.append(
            f"console: {message.text}") if message.type == "error" else None)
        self.page.on("response", lambda response: self.errors.append(
            f"{response.status} for {response.url}") if response.status >= 400 else None)

    def open(self, url: str, screen: str | None = None) -> bool:
        """Open a page and check it; False when it is not there for this user."""
        response = self.page.goto(url)
        if response is None or response.status in (403, 404):
            self.errors.clear()
            return False
        self.opened.append(url)
        if response.status != 200:
            self.problems.append(f"{url}: answered {response.status}")
        self.check(url, screen or endpoint_of(url) or url)
        return True

    def open_tabs(self, url: str) -> None:
        """A profile and each of its tabs (a page of its own, ?tab=…)."""
        self.open(url)
        hrefs = self.page.eval_on_selector_all(
            "#contact-tabs .nav-link:not(.active)",
            "links => links.map(link => link.getAttribute('href'))")
        assert len(hrefs) >= 3, f"{url}: no tabs"
        for href in hrefs:
            tab = parse_qs(urlsplit(href).query).get("tab", [""])[0]
            self.open(href, f"{endpoint_of(url)} tab {tab}")

    def check(self, where: str, screen: str) -> None:
        """The English, "__None" and script checks; axe once per screen (endpoint) and
        state, in one language."""
        self.page.wait_for_load_state("load")
        parts = [p for p in self.page.evaluate(PAGE_TEXT, DATA_HOLDERS) if p and p.strip()]
        text = "\n".join(parts)
        english = sorted((_words(text) & english_words(self.language)) - self.allowed)
        if english:
            self.problems.append(f"{where}: English {in_context(english, parts)}")
        if "__None" in text:
            self.problems.append(f"{where}: __None")
        self.problems.extend(f"{where}: {error}" for error in self.errors)
        self.errors.clear()
        if axe_language(screen) == self.language and screen not in self.axed:
            self.axed.add(screen)
            self.axe(where)

    def axe(self, where: str) -> None:
        results = axe().run(self.page)
        for violation in results.response["violations"]:
            if violation["impact"] in BLOCKING:
                nodes = violation["nodes"]
                targets = [" ".join(map(str, node["target"])) for node in nodes]
                self.problems.append(f"{where}: axe {violation['id']} ({violation['impact']}) "
                                     f"×{len(targets)} {targets[:3]}: {nodes[0]['html'][:200]} "
                                     f"— {nodes[0].get('failureSummary', '')}")

    def links(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all(
            "a[href]", "links => links.map(link => link.getAttribute('href'))")
        return [href for href in hrefs if href.startswith("/admin")]

    def menu(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all(
            "nav a[href]", "links => links.map(link => link.getAttribute('href'))")
        return list(dict.fromkeys(h for h in hrefs if h.startswith("/admin") and "#" not in h))

    def send_empty(self, url: str) -> None:
        """Send a create form back without filling it in (the browser's own checks off,
        as the server must hold without them): its errors show, in the language."""
        self.page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
        with self.page.expect_navigation():
            self.page.locator("main form.admin-form [type=submit]").first.click()
        where = f"{url} (sent empty)"
        if not self.page.locator(".invalid-feedback, .alert-danger").count():
            self.problems.append(f"{where}: no error shown")
        self.check(where, f"{endpoint_of(url)} sent empty")


def axe_language(screen: str) -> str:
    """The one language whose walk runs axe on ``screen``: the screens are shared out
    among the languages, so each language's pages are checked and each screen once."""
    return list(LOCALES)[zlib.crc32(screen.encode()) % len(LOCALES)]


@cache
def axe() -> Axe:
    return Axe()


def endpoint_of(url: str) -> str | None:
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, _arguments = adapter.match(urlsplit(url).path, method="GET")
    except HTTPException:
        return None
    return endpoint


def walk(crawl: Crawl) -> None:
    """The menu's pages; from each, the first link to each form page it offers, and
    every create form sent back empty once. A screen (endpoint) another user opened
    already in this language is not opened again."""
    crawl.open("/admin/")
    seen = {endpoint_of(url) for url in crawl.opened}
    for entry in crawl.menu():
        if endpoint_of(entry) in seen or not crawl.open(entry):
            continue
        seen.add(endpoint_of(entry))
        forms = {}
        for link in crawl.links():
            endpoint = endpoint_of(link)
            if endpoint and FORM_PAGE.search(endpoint) and endpoint not in seen:
                forms.setdefault(endpoint, link)
        for endpoint, link in forms.items():
            seen.add(endpoint)
            if crawl.open(link) and endpoint.endswith(".create_view"):
                crawl.send_empty(link)


def screenshot(crawl: Crawl, url: str, name: str) -> None:
    crawl.page.goto(url)
    SCREENSHOTS.mkdir(exist_ok=True)
    crawl.page.screenshot(path=SCREENSHOTS / f"{crawl.language}-{name}.png", full_page=True)


def crawled_languages() -> list[str]:
    """Every language, or those CRAWL_LANGUAGES names (comma-separated). What the crawl
    checks — the words and the accessibility of what the browser shows — is the same on
    either database: CI shares the languages out between its SQLite and PostgreSQL
    passes (each language's walk is about a minute of both cores), so each is walked
    once and each database serves a walk."""
    chosen = [code for code in os.environ.get("CRAWL_LANGUAGES", "").split(",") if code]
    unknown = set(chosen) - set(LOCALES)
    if unknown:
        raise ValueError(f"CRAWL_LANGUAGES: no such language {sorted(unknown)}")
    return chosen or list(LOCALES)


@pytest.mark.parametrize("language", crawled_languages())
def test_every_screen_speaks_the_language(browser, live_url, make_tenant, language):
    tenant = make_tenant(f"crawl{language}", language)
    admin = f"admin@crawl{language}.example"
    ids = gen_every_screen(tenant.id, admin)
    accounts.create_user(f"operator-{language}@platform.example", "secret-pass", tenant=None,
                         full_name="Operatør", language=language)
    db.session.commit()
    allowed = record_words()

    context = browser.new_context(base_url=live_url, locale=LOCALES[language])
    page = context.new_page()
    page.set_default_timeout(10_000)
    crawl = Crawl(page, language, allowed)
    try:
        for email in (admin, f"user@crawl{language}.example",
                      f"operator-{language}@platform.example"):
            log_in(page, email)
            walk(crawl)
            if email == admin:
                crawl.open_tabs(f"/admin/contact/{ids.contact}/profile")
                crawl.open_tabs(f"/admin/organisation/{ids.organisation}/profile")
                screenshot(crawl, "/admin/contact/", "contact-list")
                screenshot(crawl, "/admin/contact/new/", "contact-form")
                screenshot(crawl, f"/admin/contact/{ids.contact}/profile", "profile")
            context.clear_cookies()  # logged out
    finally:
        context.close()
    assert len(crawl.opened) > 40
    assert not crawl.problems, "\n".join(crawl.problems)
