"""The platform operator's tenant screens show no tenant secret: neither the lead-intake
token nor the settings (letterhead and the like), on the list, details, edit or export."""

from __future__ import annotations

from app.extensions import db
from app.models import Tenant
from app.services.work import leads
from app.tenancy import all_tenants
from tests.conftest import login


def test_operator_never_sees_the_intake_token_or_settings(client, operator, tenant_a):
    with all_tenants():
        tenant = db.session.get(Tenant, tenant_a.id)
        token = leads.regenerate_intake_token(tenant)
        tenant.settings = {**tenant.settings, "letterhead": {"sender_name": "Hemmelig Afsender"}}
        db.session.commit()
    login(client, operator.email)
    pages = ("/admin/tenant/", f"/admin/tenant/details/?id={tenant_a.id}",
             f"/admin/tenant/edit/?id={tenant_a.id}", "/admin/tenant/export/csv/",
             "/admin/tenant/?search=alpha")
    for page in pages:
        response = client.get(page, follow_redirects=True)
        body = response.get_data(as_text=True)
        assert response.status_code in (200, 404), page
        assert token not in body and "Hemmelig Afsender" not in body, page
        assert "letterhead" not in body and "intake_token" not in body, page
    details = client.get(f"/admin/tenant/details/?id={tenant_a.id}").get_data(as_text=True)
    assert "Alpha ApS" in details
