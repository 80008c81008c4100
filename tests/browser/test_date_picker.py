"""The date picker speaks the user's language: Danish month and day names, the week
from Monday, its buttons translated — not moment.js's English and Sunday."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import log_in


def test_the_date_picker_is_danish_with_weeks_from_monday(page, tenant_a):
    log_in(page, "admin@alpha.example")  # tenant A speaks Danish
    page.goto("/admin/contact/new/")
    page.click("input[data-role=datepicker] >> nth=0")
    picker = page.locator(".daterangepicker:visible")
    expect(picker).to_be_visible()
    weekdays = picker.locator("thead tr:last-child th").all_inner_texts()
    assert [day.strip().lower() for day in weekdays if day.strip()][:2] == ["man", "tir"]
    months = picker.locator("select.monthselect option").all_inner_texts()
    assert "maj" in [month.strip().lower() for month in months]
    assert "okt" in [month.strip().lower() for month in months]
    page.keyboard.press("Escape")
