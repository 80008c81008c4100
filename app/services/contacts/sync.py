"""Contacts kept in step with another system (B15): a batch of contacts is created or
updated, each matched by one of its ids in that system (``external_ids``) or else by
its e-mail. Each item is saved or refused on its own (a savepoint each): one bad row
does not stop the batch, and the caller learns every item's outcome."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Contact, User
from app.services import records
from app.services.contacts import contacts
from app.services.contacts.records import CONTACT, with_external_id
from app.services.errors import FieldErrors, NotPermitted, ServiceError
from app.transactions import CONFLICT

MOST_PER_BATCH = 1000
CREATED, UPDATED, REFUSED = "created", "updated", "error"


@dataclass
class ItemOutcome:
    index: int
    status: str
    contact: Contact | None = None
    message: str | None = None
    errors: dict[str, str] = field(default_factory=dict)


def matching(values: Mapping[str, Any]) -> Contact | None:
    """The contact the item names: by an external id, else by e-mail."""
    for system, value in (values.get("external_ids") or {}).items():
        if value:
            found = with_external_id(Contact, system.strip(), value.strip())
            if found is not None:
                return found  # type: ignore[return-value]
    email = (values.get("email") or "").strip()
    return contacts.with_email(email) if email else None


def upsert(items: Sequence[Mapping[str, Any]], user: User) -> list[ItemOutcome]:
    """Create or update each item's contact; the caller commits the batch."""
    if not records.may_edit(CONTACT, user):
        raise NotPermitted(_l("You may not change these records."))
    if len(items) > MOST_PER_BATCH:
        raise ServiceError(lazy_ngettext("At most %(num)d item at a time.",
                                         "At most %(num)d items at a time.", MOST_PER_BATCH))
    return [_upsert_one(index, values, user) for index, values in enumerate(items)]


def _upsert_one(index: int, values: Mapping[str, Any], user: User) -> ItemOutcome:
    savepoint = db.session.begin_nested()
    try:
        contact = matching(values)
        if contact is None:
            contact, status = records.create(CONTACT, values, user), CREATED
        else:
            records.update(CONTACT, contact, values, user)
            status = UPDATED
        db.session.flush()
    except ServiceError as exc:
        savepoint.rollback()
        errors = exc.errors if isinstance(exc, FieldErrors) else (
            {exc.field: exc.message} if exc.field else {})
        return ItemOutcome(index, REFUSED, message=str(exc.message),
                           errors={k: str(v) for k, v in errors.items()})
    except IntegrityError:
        savepoint.rollback()
        return ItemOutcome(index, REFUSED, message=str(CONFLICT))
    savepoint.commit()
    return ItemOutcome(index, status, contact=contact)
