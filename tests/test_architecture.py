"""The house rules that keep the code in layers (docs/architecture.md), checked so they
stay true: refusals are not ValueErrors, services take the acting user as an argument
and never commit, one language answer outside a request, tenant rules in one service."""

from __future__ import annotations

import ast
import contextvars
import re
from pathlib import Path

import pytest
from flask_babel import refresh
from sqlalchemy import select

from app.extensions import db
from app.i18n import current_language, select_locale
from app.models import Contact, Tenant, User
from app.services import accounts
from app.services.contacts import contacts
from app.services.errors import FieldErrors, ServiceError
from app.tenancy import tenant_context
from app.transactions import commit_or_refuse

APP = Path(__file__).resolve().parent.parent / "app"
# Entry points that own their transactions through commit_or_refuse; the CLI and the
# demo seeding commit per command (each command is one transaction of its own).
COMMIT_ALLOWED = {"transactions.py", "cli.py", "demo/seed.py"}


def _python_files(root: Path):
    return [path for path in root.rglob("*.py") if "translations" not in path.parts]


def _calls(path: Path, attribute: str) -> list[int]:
    tree = ast.parse(path.read_text())
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == attribute
            and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "session"]


def test_refusals_are_not_value_errors():
    assert not issubclass(ServiceError, ValueError)
    assert issubclass(FieldErrors, ServiceError)


def test_services_never_read_the_logged_in_user():
    offenders = [str(path.relative_to(APP)) for path in _python_files(APP / "services")
                 if "current_user" in path.read_text()]
    assert offenders == []


def test_only_the_transaction_helper_commits():
    offenders = {f"{path.relative_to(APP)}:{line}"
                 for path in _python_files(APP)
                 if str(path.relative_to(APP)) not in COMMIT_ALLOWED
                 for line in _calls(path, "commit")}
    assert offenders == set()


def test_a_contact_is_made_without_a_request_by_the_acting_user(app, tenant_a):
    with tenant_context(tenant_a.id):
        admin = db.session.scalar(select(User).where(User.email == "admin@alpha.example"))
        contact = Contact(first_name="Ida", last_name="Holm", kind="private",
                          email="ida.holm@example.com")
        made = commit_or_refuse(lambda: _add(contact, admin.id))
        assert made and made.value.responsible_user_id == admin.id


def _add(contact: Contact, creator_id: int) -> Contact:
    contacts.prepare(contact, is_new=True, creator_id=creator_id)
    db.session.add(contact)
    return contact


def test_a_refused_call_is_rolled_back_and_handed_on(app, tenant_a):
    refusals = []
    with tenant_context(tenant_a.id):
        outcome = commit_or_refuse(
            lambda: contacts.prepare(Contact(first_name="", last_name=""), is_new=True),
            refusals.append)
    assert not outcome and refusals == [outcome.refusal]


def test_outside_a_request_the_language_is_the_tenants(app, make_tenant):
    polish = make_tenant("gamma", "pl")

    def as_a_job_would() -> tuple[str, str]:  # an app context, no request (CLI, jobs)
        with app.app_context(), tenant_context(polish.id):
            refresh()
            return current_language(), select_locale()

    assert contextvars.Context().run(as_a_job_would) == ("pl", "pl")


@pytest.mark.parametrize("slug", ["Bad Slug!", "-x", "alpha"])
def test_tenant_short_names_follow_one_rule_when_changed(app, tenant_a, make_tenant, slug):
    other = make_tenant("delta", "da")
    tenant = db.session.get(Tenant, other.id)
    tenant.slug = slug
    with pytest.raises(ServiceError) as refusal:
        accounts.update_tenant(tenant)
    assert refusal.value.field == "slug"
    db.session.rollback()


def test_a_users_email_is_unique_across_tenants_on_every_path(app, tenant_a, tenant_b):
    with pytest.raises(ServiceError) as refusal:
        accounts.check_user("ADMIN@beta.example", "a-long-password", user=None,
                            acting_user_id=None)
    assert refusal.value.field == "email"
    with pytest.raises(ServiceError) as refusal:
        accounts.check_first_admin("user@alpha.example", "a-long-password")
    assert refusal.value.field == "admin_email"


def test_test_modules_share_builders_through_factories_and_conftest_only():
    tests = APP.parent / "tests"
    other_test_module = re.compile(r"^\s*(from|import) tests\.(browser\.)?test_", re.M)
    offenders = [str(path.relative_to(tests)) for path in tests.rglob("test_*.py")
                 if other_test_module.search(path.read_text())]
    assert offenders == []
