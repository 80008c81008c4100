import contextvars

from sqlalchemy import select

from app.demo.seed import DEMO_TENANTS
from app.extensions import db
from app.models import Tenant, User
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


def test_seed_demo_fills_contacts_per_tenant(app):
    from app.models import (
        Activity,
        Campaign,
        Case,
        Contact,
        FieldSection,
        Lead,
        Opportunity,
        Organisation,
        Project,
        Tag,
        Task,
    )
    from app.tenancy import tenant_context

    # as from a shell: no request context around the command
    result = contextvars.Context().run(
        app.test_cli_runner().invoke, args=["crm", "seed-demo", "--contacts", "30"])
    assert result.exit_code == 0, result.output
    with all_tenants():
        tenants = {t.slug: t.id for t in db.session.scalars(select(Tenant))}
    for slug, private_name in (("nordisk", "Privatkunder"), ("polska", "Klienci prywatni")):
        with tenant_context(tenants[slug]):
            contacts = db.session.scalars(select(Contact)).all()
            assert len(contacts) >= 30  # accepted demo leads add a few
            assert any(len(c.employments) > 1 for c in contacts)  # past jobs kept
            assert any(c.consent_email and c.consent_email_source for c in contacts)
            assert db.session.scalar(select(Tag.id).limit(1))
            private = db.session.scalar(
                select(Organisation).where(Organisation.is_private_customers.is_(True)))
            assert private.name == private_name
            [section] = db.session.scalars(
                select(FieldSection).where(FieldSection.entity == "contact")).all()
            assert section.labels["da"] == "Opmærksomhedspunkter"
            assert sum(1 for c in contacts if c.custom.get("satisfaction")) > 5
            for model in (Case, Task, Lead, Opportunity, Campaign, Project, Activity):
                assert db.session.scalar(select(model.id).limit(1)), model.__name__
        db.session.remove()
