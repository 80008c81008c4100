"""The activity form's scripts (E2, E3): persons only from the chosen organisation,
chosen once an organisation is set, and the duration timer."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Activity
from app.tenancy import tenant_context
from tests.browser.conftest import log_in, offered_persons
from tests.factories import gen_people


def test_persons_come_from_the_chosen_organisation(page, tenant_a):
    org, _other = gen_people(tenant_a.id)
    log_in(page, "admin@alpha.example")
    page.goto(f"/admin/activity/new/?organisation_id={org}&kind=call")
    names = offered_persons(page)
    assert any("Hansen" in n for n in names) and any("Holm" in n for n in names)
    assert not any("Udenfor" in n for n in names)
    page.click(".select2-result-label >> text=/Hansen/")
    page.fill("#subject", "Opfølgning på tilbud")
    expect(page.locator(".kontakt-timer-clock")).not_to_have_text("0:00")
    expect(page.locator("#duration_minutes")).to_have_value(re.compile(r"^[1-9]\d*$"))
    page.click("input[type=submit][value]:not([name])")
    expect(page).to_have_url(re.compile(r"/admin/activity/"))
    with tenant_context(tenant_a.id):
        activity = db.session.scalar(select(Activity))
        assert [c.last_name for c in activity.contacts] == ["Hansen"]
        assert activity.duration_minutes >= 1


def test_persons_wait_for_an_organisation(page, tenant_a):
    gen_people(tenant_a.id)
    log_in(page, "admin@alpha.example")
    page.goto("/admin/activity/new/?kind=note")
    expect(page.locator("#s2id_contacts")).to_have_class(
        re.compile(r"\bselect2-container-disabled\b"))
