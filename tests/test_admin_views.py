"""Users view for tenant administrators, Tenants view for the platform operator."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Tenant, User
from app.tenancy import all_tenants
from tests.conftest import login
from tests.factories import NEW_USER


def _user_id(email: str) -> int:
    with all_tenants():
        return db.session.scalar(select(User.id).where(User.email == email))


def test_users_list_shows_only_the_own_tenant(admin_client, tenant_b):
    page = admin_client.get("/admin/user/").get_data(as_text=True)
    assert "user@alpha.example" in page
    assert "beta.example" not in page


def test_another_tenants_user_is_unreachable(admin_client, tenant_b):
    foreign = _user_id("user@beta.example")
    for url in (f"/admin/user/edit/?id={foreign}", f"/admin/user/details/?id={foreign}"):
        response = admin_client.get(url)
        # Flask-Admin redirects to the list with "record does not exist"
        assert (response.status_code, response.headers["Location"]) == (302, "/admin/user/")
        assert "beta.example" not in admin_client.get(url, follow_redirects=True).get_data(
            as_text=True)
    admin_client.post("/admin/user/delete/", data={"id": foreign})
    admin_client.post(f"/admin/user/edit/?id={foreign}",
                      data={**NEW_USER, "email": "hijack@beta.example"})
    assert _user_id("user@beta.example") == foreign
    assert _user_id("hijack@beta.example") is None


def test_ordinary_user_gets_403_on_users_and_tenants(user_client):
    assert user_client.get("/admin/user/").status_code == 403
    assert user_client.get("/admin/tenant/").status_code == 403
    assert user_client.get("/admin/").status_code == 200


def test_tenant_admin_gets_403_on_tenants(admin_client):
    assert admin_client.get("/admin/tenant/").status_code == 403


def test_admin_creates_a_user_in_the_own_tenant(admin_client, tenant_a):
    response = admin_client.post("/admin/user/new/", data=NEW_USER)
    assert response.status_code == 302
    with all_tenants():
        user = db.session.scalar(select(User).where(User.email == "new@alpha.example"))
        assert user.tenant_id == tenant_a.id
        assert user.check_password("long-enough-pw")
        assert user.language is None


def test_e_mail_taken_in_another_tenant_is_refused_and_input_kept(admin_client, tenant_b):
    response = admin_client.post("/admin/user/new/",
                                 data={**NEW_USER, "email": "USER@beta.example"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Der findes allerede en bruger med denne e-mailadresse." in html
    assert 'value="Ny Bruger"' in html


def test_short_password_is_refused(admin_client):
    response = admin_client.post("/admin/user/new/", data={**NEW_USER, "password": "short"})
    assert response.status_code == 200
    assert _user_id("new@alpha.example") is None


def test_last_admin_cannot_demote_or_delete_themselves(admin_client):
    me = _user_id("admin@alpha.example")
    admin_client.post(f"/admin/user/edit/?id={me}",
                      data={**NEW_USER, "email": "admin@alpha.example", "role": "user"})
    admin_client.post("/admin/user/delete/", data={"id": me})
    with all_tenants():
        user = db.session.get(User, me)
        assert user is not None and user.role == "admin"


def test_operator_manages_tenants(client, operator, tenant_a):
    login(client, operator.email)
    assert "Alpha ApS" in client.get("/admin/tenant/").get_data(as_text=True)
    assert client.get("/admin/user/").status_code == 403
    response = client.post("/admin/tenant/new/", data={
        "name": "Svensk Demo", "slug": "svensk", "default_language": "sv", "active": "y",
        "admin_email": "admin@svensk.example", "admin_name": "Anna",
        "admin_password": "long-enough-pw"})
    assert response.status_code == 302
    with all_tenants():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "svensk"))
        admin = db.session.scalar(select(User).where(User.email == "admin@svensk.example"))
    assert admin.tenant_id == tenant.id and admin.role == "admin"
    client.post("/logout")
    login(client, "admin@svensk.example", "long-enough-pw")
    assert 'lang="sv"' in client.get("/admin/").get_data(as_text=True)


def test_operator_tenant_form_reports_a_taken_slug(client, operator, tenant_a):
    login(client, operator.email)
    response = client.post("/admin/tenant/new/", data={
        "name": "Clash", "slug": "alpha", "default_language": "en", "active": "y",
        "admin_email": "x@clash.example", "admin_password": "long-enough-pw"})
    assert response.status_code == 200
    assert 'value="Clash"' in response.get_data(as_text=True)
