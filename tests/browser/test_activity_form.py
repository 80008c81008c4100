"""The activity form's scripts (E2, E3): persons only from the chosen organisation,
chosen once an organisation is set, and the duration timer."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Activity, Contact, Employment
from app.tenancy import tenant_context
from tests.browser.conftest import log_in
from tests.test_contacts import make_organisation


def people(tenant_id: int) -> tuple[int, int]:
    """An organisation with two employees, and another organisation's person."""
    org = make_organisation(tenant_id, "Nordlys ApS")
    other = make_organisation(tenant_id, "Fremmed A/S")
    with tenant_context(tenant_id):
        for first, last, employer in (("Jens", "Hansen", org), ("Mette", "Holm", org),
                                      ("Ole", "Udenfor", other)):
            db.session.add(Contact(first_name=first, last_name=last,
                                   email=f"{first.lower()}@x.dk", organisation_id=employer,
                                   employments=[Employment(organisation_id=employer)]))
        db.session.commit()
    return org, other


def offered_persons(page) -> list[str]:
    page.click("#s2id_contacts")
    page.wait_for_selector(".select2-result-label")
    names = page.locator(".select2-result-label").all_inner_texts()
    return names


def test_persons_come_from_the_chosen_organisation(page, tenant_a):
    org, _other = people(tenant_a.id)
    log_in(page, "admin@alpha.example")
    page.goto(f"/admin/activity/new/?organisation_id={org}&kind=call")
    names = offered_persons(page)
    assert any("Hansen" in n for n in names) and any("Holm" in n for n in names)
    assert not any("Udenfor" in n for n in names)
    page.click(".select2-result-label >> text=/Hansen/")
    page.fill("#subject", "Opfølgning på tilbud")
    # a function, not an expression: the page's policy refuses to eval a string
    page.wait_for_function(
        "() => document.querySelector('.kontakt-timer-clock').textContent !== '0:00'")
    assert int(page.input_value("#duration_minutes")) >= 1  # the timer counts
    page.click("input[type=submit][value]:not([name])")
    page.wait_for_url("**/admin/activity/**")
    with tenant_context(tenant_a.id):
        activity = db.session.scalar(select(Activity))
        assert [c.last_name for c in activity.contacts] == ["Hansen"]
        assert activity.duration_minutes >= 1


def test_persons_wait_for_an_organisation(page, tenant_a):
    people(tenant_a.id)
    log_in(page, "admin@alpha.example")
    page.goto("/admin/activity/new/?kind=note")
    assert "select2-container-disabled" in page.get_attribute("#s2id_contacts", "class")
