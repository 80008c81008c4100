"""A relation filter chosen by typing: the contact list's organisation filter carries no
options in the page, finds the organisation as one types, and keeps its name shown once
applied."""

from __future__ import annotations

from sqlalchemy import insert

from app.extensions import db
from app.models import Contact, Employment, Organisation
from app.tenancy import tenant_context
from tests.browser.conftest import log_in


def test_organisation_filter_is_looked_up(page, tenant_a):
    with tenant_context(tenant_a.id):
        db.session.execute(insert(Organisation), [
            {"tenant_id": tenant_a.id, "name": f"Firma {n:03d}"} for n in range(300)])
        chosen = Organisation(name="Zebra Fisk ApS")
        person = Contact(first_name="Ida", last_name="Holm")
        other = Contact(first_name="Bo", last_name="Berg")
        db.session.add_all([chosen, person, other])
        db.session.flush()
        db.session.add(Employment(contact_id=person.id, organisation_id=chosen.id))
        db.session.commit()
    log_in(page, "admin@alpha.example")
    page.goto("/admin/contact/")
    page.click("a.dropdown-toggle:has-text('Filter')")
    page.click("a.filter:has-text('Organisation')")
    page.click(".filter-val.select2-container a, .select2-container.filter-val a")
    page.keyboard.type("Zebra")
    page.click(".select2-result-label:has-text('Zebra Fisk ApS')")
    page.click("#filter_form button[type=submit]")
    page.wait_for_url("**/admin/contact/?flt*")
    assert page.locator("td.col-last_name").all_inner_texts() == ["Holm"]
    assert page.locator(".select2-container.filter-val").inner_text().strip().startswith(
        "Zebra Fisk ApS")
