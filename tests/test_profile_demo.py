"""The profile of the demo's show-case person: every panel and every tab has content,
as a salesperson would see it before a call."""

from __future__ import annotations

import contextvars

from sqlalchemy import select

from app.demo.showcase import showcase_contact
from app.extensions import db
from app.models import Opportunity, Tenant
from app.services.profile.tabs import TABS
from app.tenancy import all_tenants, tenant_context
from tests.conftest import login

LEFT_PANELS = ("panel-about", "panel-consent", "panel-address", "panel-responsible")


def test_seeded_profile_has_every_panel_and_tab_filled(app, client):
    result = contextvars.Context().run(
        app.test_cli_runner().invoke, args=["crm", "seed-demo", "--contacts", "20"])
    assert result.exit_code == 0, result.output
    with all_tenants():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "nordisk"))
        polish_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "polska"))
    with tenant_context(polish_id):  # made by the rules: the tenant's own currency
        assert {o.currency for o in db.session.scalars(select(Opportunity).where(
            Opportunity.contact_id == showcase_contact().id))} == {"PLN"}
    with tenant_context(tenant_id):
        contact = showcase_contact()
        contact_id, surname = contact.id, contact.last_name
        sections = len(contact.custom)
    login(client, "admin@nordisk.example", "demo-admin")
    page = client.get(f"/admin/contact/{contact_id}/profile").get_data(as_text=True)
    assert surname in page
    for panel in LEFT_PANELS:
        assert f'id="{panel}"' in page, panel
    assert sections and "Opmærksomhedspunkter" in page
    for tab in TABS:
        html = client.get(f"/admin/contact/{contact_id}/profile?tab={tab}")
        assert html.status_code == 200, tab
        assert "kontakt-tab-empty" not in html.get_data(as_text=True), tab
    notes = client.get(f"/admin/contact/{contact_id}/profile?tab=notes").get_data(as_text=True)
    assert "Projektgruppen mødes hver tirsdag." in notes and "på projekt" in notes
