from sqlalchemy import select

from app.extensions import db
from app.models import Tenant, User
from app.services.demo import DEMO_TENANTS
from app.tenancy import all_tenants
from tests.conftest import login


def test_create_tenant_and_user(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "create-tenant", "--name", "Test", "--slug", "test",
                                 "--language", "sv"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["crm", "create-user", "--email", "a@test.example",
                                 "--password", "long-enough-pw", "--tenant", "test",
                                 "--role", "admin"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["crm", "create-user", "--email", "A@test.example",
                                 "--password", "long-enough-pw", "--tenant", "test"])
    assert result.exit_code != 0
    assert "already exists" in result.output
    result = runner.invoke(args=["crm", "create-tenant", "--name", "X", "--slug", "Bad Slug"])
    assert result.exit_code != 0


def test_seed_demo_creates_the_documented_logins(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "seed-demo", "--if-empty", "--contacts", "5"])
    assert result.exit_code == 0, result.output
    with all_tenants():
        slugs = set(db.session.scalars(select(Tenant.slug)))
        assert db.session.scalar(select(User).where(User.email == "user@nordisk.example"))
    assert slugs == {spec.slug for spec in DEMO_TENANTS}
    for email, password, lang in (("admin@nordisk.example", "demo-admin", "da"),
                                  ("user@nordisk.example", "demo-user", "da"),
                                  ("admin@polska.example", "demo-admin", "pl")):
        assert login(client, email, password).status_code == 302, email
        assert f'lang="{lang}"' in client.get("/admin/").get_data(as_text=True)
        client.post("/logout")
    again = runner.invoke(args=["crm", "seed-demo", "--if-empty"])
    assert "not empty" in again.output
