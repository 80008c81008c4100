"""Reflow (WCAG 1.4.10) on a phone 320 CSS pixels wide: lists, files, the configurable
fields and details pages scroll their tables inside themselves, never the page sideways;
on the profile the master-data panels fold to their headings, so the
tabs start within the second screen, and a folded panel opens from its heading."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, new_page
from tests.factories import gen_every_screen

PHONE = {"width": 320, "height": 640}


@pytest.fixture
def phone(browser, live_url):
    with new_page(browser, live_url, viewport=PHONE) as page:
        yield page


def sideways(page) -> int:
    """How many pixels the page scrolls sideways."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


# The outermost elements reaching past the window's right edge (outside any scroller).
STICKING_OUT = """() => {
  const found = [];
  document.querySelectorAll('body *').forEach(function (element) {
    const box = element.getBoundingClientRect();
    if (box.right <= window.innerWidth + 0.5 || element.closest('.table-responsive')) { return; }
    if (found.some(outer => outer.contains(element))) { return; }
    found.push(element);
  });
  return found.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
    ' ' + Math.round(e.getBoundingClientRect().right));
}"""


def sticking_out(page) -> list[str]:
    return page.evaluate(STICKING_OUT)


def test_pages_do_not_scroll_sideways_on_a_phone(phone, tenant_a):
    ids = gen_every_screen(tenant_a.id, "admin@alpha.example")
    log_in(phone, "admin@alpha.example")
    for url in ("/admin/task/", "/admin/my_tasks/", "/admin/attachments/", "/admin/fields/",
                f"/admin/contact/details/?id={ids.contact}",
                f"/admin/organisation/details/?id={ids.organisation}", "/admin/contact/"):
        phone.goto(url)
        assert sideways(phone) == 0, (url, sticking_out(phone))


def test_profile_tabs_start_near_the_top_on_a_phone(phone, tenant_a):
    ids = gen_every_screen(tenant_a.id, "admin@alpha.example")
    log_in(phone, "admin@alpha.example")
    phone.goto(f"/admin/contact/{ids.contact}/profile")
    assert sideways(phone) == 0, sticking_out(phone)
    tabs_top = phone.eval_on_selector("#contact-tabs", "tabs => tabs.getBoundingClientRect().top")
    assert tabs_top < 2 * PHONE["height"]

    consent = phone.locator("#panel-consent")
    toggle = consent.locator("[data-panel-toggle]")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(consent.locator(".card-body")).to_be_hidden()
    toggle.focus()
    phone.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(consent.locator(".card-body")).to_be_visible()


def test_profile_panels_fold_and_unfold_as_the_window_changes_width(phone, tenant_a):
    ids = gen_every_screen(tenant_a.id, "admin@alpha.example")
    log_in(phone, "admin@alpha.example")
    phone.set_viewport_size({"width": 1366, "height": 768})
    phone.goto(f"/admin/contact/{ids.contact}/profile")
    consent = phone.locator("#panel-consent")
    expect(consent.locator("[data-panel-toggle]")).to_have_count(0)
    expect(consent.locator(".card-body")).to_be_visible()

    phone.set_viewport_size(PHONE)  # narrowed: folded to its heading
    toggle = consent.locator("[data-panel-toggle]")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(consent.locator(".card-body")).to_be_hidden()

    phone.set_viewport_size({"width": 1366, "height": 768})  # wide again: open, no button
    expect(consent.locator("[data-panel-toggle]")).to_have_count(0)
    expect(consent.locator(".card-body")).to_be_visible()
    expect(consent.locator(".card-header h2")).not_to_be_empty()
