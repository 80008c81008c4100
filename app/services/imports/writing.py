"""Writing an import's new records in bulk: one INSERT … RETURNING per table and batch,
and their history in one INSERT per batch.

The change history (app.audit) is written by ORM flush events for each mapped object;
an import of 100,000 rows cannot afford an ORM object and a flush per row. So new
records are inserted past the ORM, and each gets the history entry a form would have
written — "created", with its values, by the importing user — in bulk beside them.
Employments an import makes are not recorded apart: the contact's entry names its
organisation. Records an import updates go through the ORM (and the usual events)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select

from app.audit import ACTION_CREATE
from app.extensions import db
from app.models import AuditEntry, Contact, Employment, Organisation
from app.tenancy import current_tenant_id

CONTACT_DEFAULTS = {
    "address_book_sync": False, "is_private": False, "email_access_restricted": False,
    "consent_phone": False, "consent_email": False, "consent_letter": False,
    "photo": None,
}


def insert_rows(model: type[Contact | Organisation | Employment],
                rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert the rows (every row the same keys); their new ids in the same order."""
    if not rows:
        return []
    now = datetime.now(UTC)
    stamp = {"tenant_id": current_tenant_id(), "created_at": now, "updated_at": now}
    table = cast(Table, model.__table__)
    given = [{**row, **stamp} for row in rows]
    if db.session.get_bind().dialect.name != "sqlite":
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(db.session.execute(statement, given).scalars())
    # SQLite answers RETURNING one row per statement; its executemany is one loop in C.
    # A transaction writes alone there, and new rows take the next ids in turn.
    before = db.session.execute(select(func.max(table.c.id))).scalar() or 0
    db.session.execute(insert(table), given)
    after = db.session.execute(select(func.max(table.c.id))).scalar() or 0
    if after - before != len(rows):
        raise RuntimeError(f"{table.name}: ids not in turn")  # never on SQLite
    return list(range(before + 1, after + 1))


def record_created(model: type[Contact | Organisation], ids: Sequence[int],
                   rows: Sequence[dict[str, Any]], user_id: int | None) -> None:
    """One "created" history entry per new record, its values as the form's would be."""
    if not ids:
        return
    now = datetime.now(UTC)
    tenant_id = current_tenant_id()
    entity = model.__tablename__
    entries = [{"tenant_id": tenant_id, "user_id": user_id, "entity": entity,
                "record_id": record_id, "action": ACTION_CREATE, "created_at": now,
                "changes": _changes(row)} for record_id, row in zip(ids, rows, strict=True)]
    db.session.execute(insert(cast(Table, AuditEntry.__table__)), entries)


_NOT_RECORDED = frozenset({"organisation_id", "custom", *CONTACT_DEFAULTS})


def _changes(row: dict[str, Any]) -> dict[str, list]:
    changes: dict[str, list] = {}
    for key, value in row.items():
        if key in _NOT_RECORDED or value is None or value == "" or value is False:
            continue
        changes[key] = [None, value.isoformat() if isinstance(value, date) else value]
    if row.get("national_id"):
        from app.masking import mask_national_id

        changes["national_id"] = [None, mask_national_id(row["national_id"])]
    for key, value in sorted((row.get("custom") or {}).items()):
        changes[f"custom.{key}"] = [None, value]
    return changes
