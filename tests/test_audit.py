"""The audit record of a new row: what it keeps and what it leaves out."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Activity, AuditEntry, Organisation
from app.tenancy import tenant_context


def test_creation_record_keeps_an_integer_zero(tenant_a):
    with tenant_context(tenant_a.id):
        organisation = Organisation(name="Nordlys ApS")
        db.session.add(Activity(organisation=organisation, subject="Opkald",
                                duration_minutes=0))
        db.session.commit()
        changes = db.session.scalar(select(AuditEntry.changes).where(
            AuditEntry.entity == "activity", AuditEntry.action == "create"))
    assert changes["duration_minutes"] == [None, 0]
    assert changes["subject"] == [None, "Opkald"]
    # unset values stay out: empty, None and a false flag
    assert "planned" not in changes
    assert "body" not in changes
