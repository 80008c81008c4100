"""The events: made from the change history's entries as each flush writes them
(``audit.observe``), so no view, API handler, import or merge has to remember them.
A delivery row is written per subscribed webhook in the same transaction; its job is
submitted at commit (``take_new_deliveries``, by app.webhook_jobs)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from app import audit
from app.models import Activity, Case, Contact, Organisation, Tenant
from app.models.audit import ACTION_ERASE, ACTION_MERGE
from app.models.webhook import PENDING, Webhook, WebhookDelivery

# the records with events, by the name receivers see; the history names them by table
RECORDS: dict[str, Any] = {"contact": Contact, "organisation": Organisation, "case": Case,
                           "activity": Activity}
ENTITY_OF = {model.__tablename__: name for name, model in RECORDS.items()}
ACTIONS = {audit.ACTION_CREATE: "created", audit.ACTION_UPDATE: "updated",
           audit.ACTION_DELETE: "deleted", ACTION_MERGE: "merged",
           ACTION_ERASE: "updated"}  # an erased person: the record, now empty, changed
MERGEABLE = ("contact", "organisation")
EVENTS = tuple(f"{entity}.{action}" for entity in RECORDS
               for action in ("created", "updated", "deleted", "merged")
               if action != "merged" or entity in MERGEABLE)
_ENTITY_LABELS = {"contact": _l("Contact"), "organisation": _l("Organisation"),
                  "case": _l("Case"), "activity": _l("Activity")}
_ACTION_LABELS = {"created": _l("created"), "updated": _l("updated"),
                  "deleted": _l("deleted"), "merged": _l("merged")}
EVENT_LABELS = {event: (_ENTITY_LABELS[event.split(".")[0]], _ACTION_LABELS[event.split(".")[1]])
                for event in EVENTS}

NEW_DELIVERIES = "kontakt_webhook_deliveries"  # session.info: ids whose job is due
SUBSCRIBERS = "kontakt_webhook_subscribers"  # session.info: tenant id → its webhooks
MERGED_NAME = re.compile(r"\(#(\d+)\)$")  # a merge entry names the merged one "X (#id)"


def _subscribers(session: Session, tenant_id: int) -> tuple[str, list[tuple[int, list]]]:
    """The tenant's short name and active webhooks (id, events), read once per
    transaction: an import flushing row by row asks once."""
    cache = session.info.setdefault(SUBSCRIBERS, {})
    if tenant_id not in cache:
        conn = session.connection()
        table = Webhook.__table__
        rows = conn.execute(select(table.c.id, table.c.events).where(
            table.c.tenant_id == tenant_id, table.c.active.is_(True))).all()
        slug = conn.scalar(select(Tenant.__table__.c.slug).where(
            Tenant.__table__.c.id == tenant_id)) if rows else ""
        cache[tenant_id] = (slug, [(row.id, list(row.events or ())) for row in rows])
    return cache[tenant_id]


def forget_subscribers(session: Session) -> None:
    """A webhook added, changed or removed: read them again in this transaction."""
    session.info.pop(SUBSCRIBERS, None)


def _data(session: Session, entry: audit.Recorded) -> dict[str, Any]:
    """The record's fields for the body: as they are now, or (deleted) as they were."""
    entity = ENTITY_OF[entry.entity]
    data: dict[str, Any] = {"entity": entity, "id": entry.record_id}
    record: Any = entry.record
    if entry.action == ACTION_MERGE:  # the survivor, as loaded in this session
        record = session.identity_map.get((RECORDS[entity], (entry.record_id,), None))
        merged = MERGED_NAME.search(str((entry.changes.get("merged_from") or [""])[0] or ""))
        data["merged_id"] = int(merged.group(1)) if merged else None
    if entry.action == audit.ACTION_DELETE or record is None:
        values = {key: pair[1] for key, pair in entry.changes.items()
                  if isinstance(pair, list) and len(pair) == 2 and key != "merged_from"}
        values.pop("merged_into", None)
        return {**values, **data}
    values = audit.values_of(record)
    if entry.action == audit.ACTION_UPDATE:
        data["changed"] = sorted(entry.changes)
    return {**values, **data}


def _on_recorded(session: Session, entries: list[audit.Recorded]) -> None:
    occurred_at = datetime.now(UTC)
    # tenants without webhooks first: an import tells of 1,000 entries at a time
    hooked = {tenant_id for tenant_id in {entry.tenant_id for entry in entries}
              if _subscribers(session, tenant_id)[1]}
    for entry in entries:
        if entry.tenant_id not in hooked or entry.entity not in ENTITY_OF \
                or entry.action not in ACTIONS:
            continue
        event = f"{ENTITY_OF[entry.entity]}.{ACTIONS[entry.action]}"
        slug, subscribed = _subscribers(session, entry.tenant_id)
        hooks = [hook_id for hook_id, events in subscribed if event in events]
        if not hooks:
            continue
        data = _data(session, entry)
        for hook_id in hooks:
            payload = {"id": str(uuid.uuid4()), "event": event,
                       "occurred_at": occurred_at.isoformat(), "tenant": slug, "data": data}
            table = cast(Table, WebhookDelivery.__table__)
            delivery_id = session.connection().scalar(
                insert(table).returning(table.c.id),
                {"tenant_id": entry.tenant_id, "webhook_id": hook_id, "event": event,
                 "entity": data["entity"], "record_id": entry.record_id, "payload": payload,
                 "status": PENDING, "attempts": 0, "created_at": occurred_at})
            due(session, int(cast(int, delivery_id)))


def due(session: Session, delivery_id: int) -> None:
    """The delivery's job is to be submitted when the transaction commits."""
    session.info.setdefault(NEW_DELIVERIES, []).append(delivery_id)


def take_new_deliveries(session: Session) -> list[int]:
    """The deliveries made or re-sent in this transaction (still there: a savepoint
    rolled back takes its own with it), once."""
    ids = session.info.pop(NEW_DELIVERIES, None)
    if not ids:
        return []
    table = WebhookDelivery.__table__
    there = set(session.connection().scalars(select(table.c.id).where(table.c.id.in_(ids))))
    return [delivery_id for delivery_id in ids if delivery_id in there]


def _transaction_ended(session: Session) -> None:
    session.info.pop(SUBSCRIBERS, None)
    session.info.pop(NEW_DELIVERIES, None)


def install() -> None:
    """Make events of the history's entries (the application factory calls this)."""
    from sqlalchemy import event

    audit.observe(_on_recorded)
    for name in ("after_commit", "after_rollback"):
        if not event.contains(Session, name, _transaction_ended):
            event.listen(Session, name, _transaction_ended)
