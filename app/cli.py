"""`flask --app wsgi crm …` commands; each calls a service."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from app import deployment, jobs
from app.config import LANGUAGES
from app.demo import seed as demo
from app.extensions import db
from app.models import Tenant, User
from app.models.import_mapping import IMPORT_KINDS
from app.models.user import ROLES
from app.services import accounts, api_tokens
from app.services.contacts import contacts
from app.services.errors import ServiceError
from app.services.imports import mapping as import_mapping
from app.services.imports import reading, runner
from app.services.passwords import check_password_policy
from app.tenancy import all_tenants, tenant_context
from app.transactions import commit_or_refuse

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


@crm.command("check-deployment")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Web worker processes per machine [default: WEB_CONCURRENCY, else 1].")
def check_deployment(workers: int | None) -> None:
    """Check that the configuration suits several web workers and machines (exit
    status 3 and the reasons when it does not)."""
    workers = workers or deployment.workers_from_environment()
    deployment.check(current_app.config, workers=workers)
    machines = current_app.config.get("DEPLOYMENT_MACHINES") or 1
    click.echo(f"The configuration suits {workers} web worker process(es) on "
               f"{machines} machine(s).")


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


@crm.command("prune-jobs")
@click.option("--days", type=int, default=None,
              help="Keep the files of jobs that ended this recently (default: JOBS_KEEP_DAYS).")
def prune_jobs(days: int | None) -> None:
    """Remove the result files of background jobs that ended days ago, webhook
    deliveries older than WEBHOOK_LOG_DAYS and API answers kept for an Idempotency-Key
    longer than IDEMPOTENCY_KEEP_HOURS (what the worker does every hour)."""
    config = current_app.config
    keep = days if days is not None else config["JOBS_KEEP_DAYS"]
    pruned = commit_or_refuse(lambda: jobs.prune_everything(keep)).value
    click.echo(f"Removed {pruned.files} result files of jobs that ended over {keep} days ago.")
    click.echo(f"Removed {pruned.deliveries} webhook deliveries made over "
               f"{config['WEBHOOK_LOG_DAYS']} days ago.")
    click.echo(f"Removed {pruned.answers} API answers kept for an Idempotency-Key over "
               f"{config['IDEMPOTENCY_KEEP_HOURS']} hours.")


# --- import ---------------------------------------------------------------------------

ERRORS_PRINTED = 20


@crm.command("import")
@click.argument("kind", type=click.Choice(IMPORT_KINDS))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tenant", "tenant_slug", required=True, help="Tenant short name.")
@click.option("--mapping", "mapping_name", default=None,
              help="A mapping saved for the tenant (else guessed from the headers).")
@click.option("--mode", type=click.Choice(runner.MODES), default=runner.MODE_GOOD_ROWS,
              show_default=True, help="all: nothing is imported when any row is refused.")
@click.option("--on-match", type=click.Choice(runner.ON_MATCH), default=runner.ON_MATCH_SKIP,
              show_default=True, help="What a row naming an existing record does.")
@click.option("--as", "acting_email", default=None,
              help="The acting user's e-mail (default: the tenant's first administrator).")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write the refused rows (with reasons) to this CSV file.")
def import_file(kind, path, tenant_slug, mapping_name, mode, on_match, acting_email,
                errors_path) -> None:
    """Import contacts or organisations from a CSV, XLSX or vCard file."""
    tenant = _tenant(tenant_slug)
    with tenant_context(tenant.id), force_locale(tenant.default_language):
        user = _acting_user(acting_email)
        try:
            source = reading.open_source(path)
            columns = (import_mapping.apply(import_mapping.by_name(kind, mapping_name),
                                            source.headers) if mapping_name
                       else import_mapping.guess(kind, source.headers))
            plan = runner.ImportPlan(kind, source, import_mapping.checked(kind, columns),
                                     mode=mode, on_match=on_match, errors_path=errors_path)
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from None
        result = _run_with_bar(plan, user)
    _print_result(result)
    if result.imported == 0:
        raise SystemExit(1)


def _tenant(slug: str) -> Tenant:
    with all_tenants():
        tenant = db.session.execute(db.select(Tenant).where(Tenant.slug == slug)
                                    ).scalar_one_or_none()
    if tenant is None:
        raise click.ClickException(f"No tenant with short name {slug!r}.")
    return tenant


def _acting_user(email: str | None) -> User:
    query = db.select(User).where(User.active.is_(True))
    query = (query.where(db.func.lower(User.email) == email.strip().lower()) if email
             else query.where(User.role == "admin").order_by(User.id))
    user = db.session.scalars(query.limit(1)).first()
    if user is None:
        raise click.ClickException(f"No user {email!r} in the tenant." if email
                                   else "The tenant has no administrator.")
    return user


def _run_with_bar(plan: runner.ImportPlan, user: User) -> runner.ImportResult:
    with click.progressbar(length=1, label="Importing", file=sys.stderr) as bar:
        def report(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        outcome = commit_or_refuse(lambda: runner.run_import(plan, user, report))
    if outcome:
        return outcome.value
    if isinstance(outcome.refusal, runner.ImportRefused):
        return outcome.refusal.result  # mode all: rolled back, every refusal reported
    raise click.ClickException(str(outcome.refusal))


def _print_result(result: runner.ImportResult) -> None:
    for error in result.errors[:ERRORS_PRINTED]:
        click.echo(f"line {error.line}: {'; '.join(error.reasons)}", err=True)
    if result.refused > ERRORS_PRINTED:
        click.echo(f"… and {result.refused - ERRORS_PRINTED} more refused rows"
                   + (" (see the error file)." if result.error_file else "."), err=True)
    summary = result.summary()
    click.echo(", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in summary.items()))
    if result.rolled_back:
        click.echo("Nothing was imported: every row must be good in mode 'all'.")
