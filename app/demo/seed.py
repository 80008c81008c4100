"""The demo tenants: two, so that tenant isolation can be seen. Each area of the
product adds its demo records through a filler called inside the tenant's context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import refresh
from sqlalchemy import select

from app.extensions import db
from app.models import Tenant
from app.services import accounts
from app.tenancy import all_tenants, tenant_context


@dataclass(frozen=True)
class DemoUser:
    email: str
    password: str
    full_name: str
    role: str


@dataclass(frozen=True)
class DemoTenant:
    name: str
    slug: str
    language: str
    faker_locale: str
    users: tuple[DemoUser, ...]


DEMO_TENANTS = (
    DemoTenant("Nordisk Demo", "nordisk", "da", "da_DK", (
        DemoUser("admin@nordisk.example", "demo-admin", "Mette Nielsen", "admin"),
        DemoUser("user@nordisk.example", "demo-user", "Lars Jensen", "user"),
    )),
    DemoTenant("Polska Demo", "polska", "pl", "pl_PL", (
        DemoUser("admin@polska.example", "demo-admin", "Katarzyna Nowak", "admin"),
    )),
)
DEMO_OPERATOR = DemoUser("operator@kontakt.example", "demo-operator", "Platform Operator", "")

def _fillers() -> list[Callable[[Tenant, str, int], None]]:
    """Each area's demo data, in dependency order: (tenant, faker_locale, contacts)."""
    from app.demo.activities import fill_activities
    from app.demo.cases import fill_cases
    from app.demo.contacts import fill_contacts
    from app.demo.fields import fill_fields
    from app.demo.leads import fill_leads
    from app.demo.sales import fill_sales
    from app.demo.showcase import fill_showcase

    return [fill_contacts, fill_fields, fill_cases, fill_leads, fill_sales, fill_activities,
            fill_showcase]


def database_is_empty() -> bool:
    with all_tenants():
        return db.session.execute(select(Tenant.id).limit(1)).first() is None


def seed_demo(contacts: int = 50) -> list[str]:
    """Create the demo tenants, their users and data; skip a tenant that exists.
    Returns a line per tenant saying what was done."""
    report = []
    for spec in DEMO_TENANTS:
        with all_tenants():
            exists = db.session.execute(
                select(Tenant).where(Tenant.slug == spec.slug)
            ).scalar_one_or_none()
        if exists is not None:
            report.append(f"{spec.slug}: exists, left unchanged")
            continue
        tenant = accounts.create_tenant(spec.name, spec.slug, spec.language)
        for user in spec.users:
            accounts.create_user(user.email, user.password, tenant=tenant,
                                 full_name=user.full_name, role=user.role)
        with tenant_context(tenant.id):
            refresh()  # texts created now are in this tenant's language
            for fill in _fillers():
                fill(tenant, spec.faker_locale, contacts)
        db.session.commit()
        report.append(f"{spec.slug}: created")
    if not accounts.email_taken(DEMO_OPERATOR.email):
        accounts.create_user(DEMO_OPERATOR.email, DEMO_OPERATOR.password, tenant=None,
                             full_name=DEMO_OPERATOR.full_name, role="user")
        db.session.commit()
        report.append("operator: created")
    return report
