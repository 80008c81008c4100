"""`flask --app wsgi crm …` commands; each calls a service."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app import jobs
from app.config import LANGUAGES
from app.demo import seed as demo
from app.extensions import db
from app.models import Tenant, User
from app.models.user import ROLES
from app.services import accounts, api_tokens
from app.services.contacts import contacts
from app.services.errors import ServiceError
from app.services.passwords import check_password_policy
from app.tenancy import all_tenants, tenant_context

crm = AppGroup("crm", help="Kontakt CRM administration.")


def _fail(exc: ServiceError) -> None:
    db.session.rollback()
    raise click.ClickException(str(exc))


@crm.command("create-tenant")
@click.option("--name", prompt=True, help="Display name, e.g. 'Nordisk Demo'.")
@click.option("--slug", prompt=True, help="Short name used in URLs, e.g. 'nordisk'.")
@click.option("--language", type=click.Choice(LANGUAGES), default="en", show_default=True)
def create_tenant(name: str, slug: str, language: str) -> None:
    """Create a tenant."""
    try:
        tenant = accounts.create_tenant(name, slug, language)
        db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"Created tenant {tenant.slug} (id {tenant.id}).")


@crm.command("create-user")
@click.option("--email", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--tenant", "tenant_slug", default=None,
              help="Tenant short name; leave out for a platform operator.")
@click.option("--name", "full_name", default="")
@click.option("--role", type=click.Choice(ROLES), default="user", show_default=True)
@click.option("--language", type=click.Choice(LANGUAGES), default=None)
def create_user(email, password, tenant_slug, full_name, role, language) -> None:
    """Create a user of a tenant, or a platform operator."""
    tenant = None
    if tenant_slug:
        with all_tenants():
            tenant = db.session.execute(
                db.select(Tenant).where(Tenant.slug == tenant_slug)
            ).scalar_one_or_none()
        if tenant is None:
            raise click.ClickException(f"No tenant with short name {tenant_slug!r}.")
    try:
        check_password_policy(password)
        user = accounts.create_user(email, password, tenant=tenant, full_name=full_name,
                                    role=role, language=language)
        db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    kind = f"{role} of {tenant.slug}" if tenant else "platform operator"
    click.echo(f"Created {kind} {user.email}.")


@crm.command("create-token")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--name", default="API", show_default=True,
              help="What the token is for, e.g. 'ERP sync'.")
def create_token(email: str, name: str) -> None:
    """Make an API token for a user of a tenant; it is printed once, never again."""
    with all_tenants():
        user = db.session.execute(
            db.select(User).where(db.func.lower(User.email) == email.strip().lower())
        ).scalar_one_or_none()
    if user is None or user.tenant_id is None:
        raise click.ClickException(f"No user of a tenant with e-mail {email!r}.")
    with tenant_context(user.tenant_id):
        try:
            record, token = api_tokens.create(user, name)
            db.session.commit()
        except ServiceError as exc:
            _fail(exc)
    click.echo(f"API token {record.name!r} for {user.email} (shown only now):")
    click.echo(token)


@crm.command("sync-organisations")
def sync_organisations() -> None:
    """Show contacts whose job has ended at their current employer (run it daily)."""
    with all_tenants():
        changed = contacts.resync_organisations()
        db.session.commit()
    click.echo(f"{changed} contact(s) updated.")


@crm.command("seed-demo")
@click.option("--contacts", default=50, show_default=True,
              help="Contacts per demo tenant.")
@click.option("--if-empty", is_flag=True, help="Do nothing unless the database is empty.")
def seed_demo(contacts: int, if_empty: bool) -> None:
    """Create the demo tenants with demo users and data."""
    if if_empty and not demo.database_is_empty():
        click.echo("Database not empty; demo data not loaded.")
        return
    for line in demo.seed_demo(contacts=contacts):
        click.echo(line)


@crm.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at the same time.")
def worker(workers: int) -> None:
    """Run background jobs (imports, exports, e-mail) until stopped."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        consumer = jobs.consumer(app, workers)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Running background jobs ({app.extensions['jobs'].backend}); "
               "stop with Ctrl+C.")
    consumer.run()
