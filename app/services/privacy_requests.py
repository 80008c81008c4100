"""A person's rights over their data (F4): everything held on a contact, exported; and
the contact erased — personal data removed or anonymised while the cases, tasks and
activities stay for the statistics. docs/privacy.md describes both for administrators.

The erasure is not recorded field by field (that would copy the erased values into the
change history); it is one entry without values, and the earlier entries of the contact
and of its records lose the values that identified the person."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import String, or_, select
from sqlalchemy.orm import joinedload

from app import audit
from app.extensions import db
from app.i18n import current_language
from app.models import (
    Activity,
    AuditEntry,
    Campaign,
    Case,
    Contact,
    Lead,
    Opportunity,
    Project,
    Task,
    User,
)
from app.models.activity import NOTE
from app.models.audit import ACTION_ERASE
from app.models.base import utcnow
from app.models.contact import CONSENT_CHANNELS
from app.models.sales import campaign_contact, project_contact
from app.services.activities import attachments
from app.services.contacts import photos
from app.services.fields import values as custom_fields
from app.services.profile.query import activities_of, contact_cases, tasks_about
from app.services.profile.timeline import history_condition
from app.services.settings import tenant_language

FORMAT = "kontakt-privacy-export/1"

MASTER_DATA = (
    "id", "customer_number", "kind", "first_name", "last_name", "email", "phone", "mobile",
    "job_title", "birth_date", "national_id", "national_id_country", "street", "postcode",
    "city", "country", "preferred_language", "website", "is_private",
    "email_access_restricted", "address_book_sync", "created_at", "updated_at",
)


def json_value(value: Any) -> Any:
    """A value as JSON holds it: dates and times in ISO 8601, amounts as text."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _fields(record: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: json_value(getattr(record, name)) for name in names}


def _label(record: Any) -> str | None:
    return str(record) if record is not None else None


# --- export ----------------------------------------------------------------------------

ARCHIVE_DOCUMENT = "personal-data.json"


def archive_name(contact: Contact) -> str:
    return f"contact-{contact.id}-personal-data.zip"


def export_archive(contact: Contact, advance: Callable[[], None] = lambda: None) -> bytes:
    """The export with the files themselves (a request for access, art. 15, wants a
    copy): a ZIP of the JSON document, every file of the contact and of the e-mails it
    takes part in (``files/<id>-<name>``) and the photo. ``advance`` is called once
    per entry written."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(ARCHIVE_DOCUMENT, current_app.json.dumps(export(contact)))
        advance()
        for attachment in attachments.files_of(contact_id=contact.id):
            name = PurePosixPath(attachment.filename.replace("\\", "/")).name or "file"
            archive.writestr(f"files/{attachment.id}-{name}", attachments.read_bytes(attachment))
            advance()
        photo = photos.read(contact.photo)
        if photo is not None:
            archive.writestr(f"photo{PurePosixPath(contact.photo or '').suffix}", photo)
    return buffer.getvalue()


def archive_entries(contact: Contact) -> int:
    """How many times export_archive advances: the document and each file."""
    return 1 + len(attachments.files_of(contact_id=contact.id))


def export(contact: Contact) -> dict[str, Any]:
    """Everything the tenant holds on the contact, as one JSON-ready document: master
    data, configurable fields, consents, employments, the cases, tasks, activities and
    notes the contact takes part in, leads, sales, the list of files and the change
    history. For administrators (it ignores the F1/F2 reading rules)."""
    activities = _activities(contact.id)
    return {
        "format": FORMAT,
        "exported_at": utcnow().isoformat(),
        "contact": {**_fields(contact, MASTER_DATA), "has_photo": bool(contact.photo),
                    "organisation": _label(contact.organisation),
                    "responsible_user": _label(contact.responsible_user),
                    "tags": [tag.name for tag in contact.tags]},
        "custom_fields": custom_values(contact),
        "consents": [{"channel": channel, "given": getattr(contact, f"consent_{channel}"),
                      "date": json_value(getattr(contact, f"consent_{channel}_date")),
                      "source": getattr(contact, f"consent_{channel}_source")}
                     for channel in CONSENT_CHANNELS],
        "employments": [{**_fields(e, ("title", "start_date", "end_date", "is_primary")),
                         "organisation": _label(e.organisation)} for e in contact.employments],
        "cases": _cases(contact.id),
        "tasks": _tasks(contact.id),
        "activities": [_activity(a) for a in activities if a.kind != NOTE],
        "notes": [_activity(a) for a in activities if a.kind == NOTE],
        "leads": [_fields(lead, ("name", "company", "email", "phone", "source", "message",
                                 "received_at", "status"))
                  for lead in db.session.scalars(select(Lead).where(Lead.contact_id == contact.id)
                                                 .order_by(Lead.received_at))],
        **_sales(contact.id),
        "files": [{**_fields(f, ("filename", "content_type", "size", "created_at")),
                   "on": "contact" if f.contact_id == contact.id else "activity"}
                  for f in attachments.files_of(contact_id=contact.id)],
        "history": _history(contact.id),
    }


def custom_values(contact: Contact) -> list[dict[str, Any]]:
    """The configurable fields that hold a value, with their label and shown value."""
    values = contact.custom or {}
    language = current_language()
    found = []
    for key, stored in sorted(values.items()):
        field = custom_fields.field_by_key(contact.__custom_entity__, key)
        found.append({"key": key, "label": field.label(language) if field else key,
                      "value": stored,
                      "shown": custom_fields.display(field, stored) if field else str(stored)})
    return found


def _cases(contact_id: int) -> list[dict[str, Any]]:
    query = (select(Case).where(Case.id.in_(contact_cases(contact_id)))
             .options(joinedload(Case.category), joinedload(Case.organisation))
             .order_by(Case.opened_on, Case.id))
    return [{**_fields(case, ("reference", "title", "status", "description", "opened_on",
                              "closed_on")),
             "role": "primary" if case.primary_contact_id == contact_id else "secondary",
             "category": _label(case.category), "organisation": _label(case.organisation)}
            for case in db.session.scalars(query)]


def _tasks(contact_id: int) -> list[dict[str, Any]]:
    query = (select(Task).where(tasks_about(contact_id))
             .options(joinedload(Task.status), joinedload(Task.priority),
                      joinedload(Task.assignee))
             .order_by(Task.created_at, Task.id))
    return [{**_fields(task, ("title", "description", "due_at", "completed_at")),
             "status": _label(task.status), "priority": _label(task.priority),
             "assignee": _label(task.assignee)} for task in db.session.scalars(query)]


ACTIVITY_FIELDS = ("kind", "subject", "body", "starts_at", "ends_at", "duration_minutes",
                   "planned", "completed", "location", "direction", "phone_number", "outcome",
                   "mail_from", "mail_to", "mail_cc", "mail_status")


def _activities(contact_id: int) -> list[Activity]:
    query = activities_of(contact_id).options(
        joinedload(Activity.organisation), joinedload(Activity.employee))
    return list(db.session.scalars(query))


def _activity(activity: Activity) -> dict[str, Any]:
    return {**_fields(activity, ACTIVITY_FIELDS),
            "organisation": _label(activity.organisation),
            "employee": _label(activity.employee)}


def _sales(contact_id: int) -> dict[str, list[dict[str, Any]]]:
    opportunities = db.session.scalars(select(Opportunity).where(
        Opportunity.contact_id == contact_id).order_by(Opportunity.id))
    campaigns = db.session.scalars(select(Campaign).where(Campaign.id.in_(
        select(campaign_contact.c.campaign_id).where(campaign_contact.c.contact_id == contact_id)
    )).order_by(Campaign.id))
    projects = db.session.scalars(select(Project).where(Project.id.in_(
        select(project_contact.c.project_id).where(project_contact.c.contact_id == contact_id)
    )).order_by(Project.id))
    return {
        "opportunities": [_fields(o, ("title", "stage", "amount", "currency",
                                      "expected_close_on")) for o in opportunities],
        "campaigns": [_fields(c, ("name", "starts_on", "ends_on")) for c in campaigns],
        "projects": [_fields(p, ("name", "starts_on", "ends_on")) for p in projects],
    }


def _history(contact_id: int) -> list[dict[str, Any]]:
    query = (select(AuditEntry).where(history_condition(contact_id))
             .options(joinedload(AuditEntry.user))
             .order_by(AuditEntry.created_at, AuditEntry.id))
    return [{"time": json_value(entry.created_at), "user": _label(entry.user),
             "record_type": entry.entity, "record_id": entry.record_id,
             "action": entry.action, "changes": entry.changes}
            for entry in db.session.scalars(query)]


# --- erasure ---------------------------------------------------------------------------

# Contact columns whose values identify the person (names get the placeholder).
ERASED_COLUMNS = (
    "customer_number", "email", "phone", "mobile", "job_title", "birth_date", "national_id",
    "national_id_country", "street", "postcode", "city", "country", "preferred_language",
    "website", "photo",
    *(f"consent_{c}_{part}" for c in CONSENT_CHANNELS for part in ("date", "source")),
)
# What the change history keeps of the contact's own entries: nothing that names it.
KEPT_CONTACT_CHANGES = frozenset({"kind", "responsible_user_id", "is_private",
                                  "email_access_restricted"})
# Per record type, the recorded fields that hold the person's own data.
ERASED_CHANGES = {"employment": frozenset({"title"}), "attachment": frozenset({"filename"})}
# Texts of the contact's records in which the person's identifiers are replaced.
REDACTED_TEXTS = {
    Activity: ("subject", "body", "location", "outcome", "phone_number", "mail_from",
               "mail_to", "mail_cc", "mail_note"),
    Case: ("title", "description"),
    Task: ("title", "description"),
    Opportunity: ("title",),
    Lead: ("company", "message", "source"),
}
MIN_IDENTIFIER_LENGTH = 3  # shorter texts would replace parts of unrelated words


def deleted_name() -> str:
    """The name an erased contact keeps, in the tenant's language ("Slettet person")."""
    with force_locale(tenant_language()):
        return gettext("Deleted person")


@dataclass(frozen=True)
class Erasure:
    photo: str | None  # the stored photo, to remove from disk once the erasure is committed


def erase(contact: Contact, by: User | None) -> Erasure:
    """Erase the contact's personal data (see docs/privacy.md); the caller commits and
    then removes the photo. Files go from storage when the erasure is committed."""
    placeholder = deleted_name()
    unique, everything = identifiers(contact)
    scrub_history(contact.id, unique, everything, placeholder)
    photo = contact.photo
    with audit.unrecorded(db.session):
        _redact_records(contact.id, everything, placeholder)
        for attachment in attachments.files_of(contact_id=contact.id):
            attachments.delete(attachment)
        _anonymise(contact, placeholder)
    db.session.add(AuditEntry(entity=Contact.__tablename__, record_id=contact.id,
                              action=ACTION_ERASE, changes={},
                              user_id=by.id if by is not None else None))
    return Erasure(photo)


def identifiers(contact: Contact) -> tuple[list[str], list[str]]:
    """(what identifies the person alone: e-mail, numbers; that and the name and street,
    which namesakes and neighbours may share), longest first so a longer text is
    replaced before a part of it."""
    unique = [contact.email, contact.phone, contact.mobile, contact.national_id]
    shared = [contact.full_name, f"{contact.last_name} {contact.first_name}", contact.street]

    def usable(texts: list[str | None]) -> list[str]:
        found = {text.strip() for text in texts
                 if text and len(text.strip()) >= MIN_IDENTIFIER_LENGTH}
        return sorted(found, key=len, reverse=True)

    return usable(unique), usable(unique + shared)


def redact(value: Any, texts: list[str], placeholder: str) -> Any:
    """The value (text, or JSON of lists and objects) with each text replaced, whatever
    its case."""
    if isinstance(value, str):
        for text in texts:
            value = re.sub(re.escape(text), placeholder, value, flags=re.IGNORECASE)
        return value
    if isinstance(value, list):
        return [redact(item, texts, placeholder) for item in value]
    if isinstance(value, dict):
        return {key: redact(item, texts, placeholder) for key, item in value.items()}
    return value


def _anonymise(contact: Contact, placeholder: str) -> None:
    contact.first_name, contact.last_name = "", placeholder
    for name in ERASED_COLUMNS:
        setattr(contact, name, None)
    for channel in CONSENT_CHANNELS:
        setattr(contact, f"consent_{channel}", False)
    contact.address_book_sync = False
    contact.custom = {}
    contact.tags = []
    for employment in contact.employments:
        employment.title = None


def _redact_records(contact_id: int, texts: list[str], placeholder: str) -> None:
    """The person's identifiers replaced in the texts of the contact's records; the
    leads the contact came from lose their name, e-mail and phone as well."""
    owned = {
        Activity: Activity.id.in_(activities_of(contact_id).order_by(None)
                                  .with_only_columns(Activity.id)),
        Case: Case.id.in_(contact_cases(contact_id)),
        Task: tasks_about(contact_id),
        Opportunity: Opportunity.contact_id == contact_id,
        Lead: Lead.contact_id == contact_id,
    }
    for model, condition in owned.items():
        for record in db.session.scalars(select(model).where(condition)):
            for name in REDACTED_TEXTS[model]:
                _set_text(record, name, redact(getattr(record, name), texts, placeholder))
            if isinstance(record, Lead):
                record.name, record.email, record.phone = placeholder, None, None


def _set_text(record: Any, name: str, value: Any) -> None:
    """A redacted text, cut to what its column holds (the placeholder may be longer)."""
    column_type = type(record).__table__.c[name].type
    if isinstance(value, str) and isinstance(column_type, String) and column_type.length:
        value = value[:column_type.length]
    setattr(record, name, value)


# --- the change history ----------------------------------------------------------------

def scrub_history(contact_id: int, unique: list[str], everything: list[str],
                  placeholder: str) -> None:
    """Remove the person's values from the change history: the contact's own entries
    keep only what names no one, its employments and files lose their personal fields,
    the entries of its records lose every identifier, and any other entry of the tenant
    loses the identifiers that are the person's alone (e-mail, numbers)."""
    own = history_condition(contact_id)
    linked = or_(own, _sales_and_leads_history(contact_id))
    for entry in db.session.scalars(select(AuditEntry).where(linked)):
        changes = _without_personal_fields(entry, contact_id)
        entry.changes = redact(changes, everything, placeholder)
    if unique:
        others = select(AuditEntry).where(~linked, or_(*(
            AuditEntry.changes.cast(String).contains(pattern, autoescape=True)
            for text in unique for pattern in _stored_forms(text))))
        for entry in db.session.scalars(others):
            entry.changes = redact(entry.changes, unique, placeholder)


def _stored_forms(text: str) -> set[str]:
    """How a text may appear in a stored JSON column: as is, or with its non-ASCII
    letters escaped (the JSON serialiser's default)."""
    return {text, json.dumps(text)[1:-1]}


def _sales_and_leads_history(contact_id: int):
    about = AuditEntry.about
    return or_(
        about(Lead, select(Lead.id).where(Lead.contact_id == contact_id)),
        about(Opportunity, select(Opportunity.id).where(Opportunity.contact_id == contact_id)),
        about(Campaign, select(campaign_contact.c.campaign_id)
           .where(campaign_contact.c.contact_id == contact_id)),
        about(Project, select(project_contact.c.project_id)
           .where(project_contact.c.contact_id == contact_id)),
    )


def _without_personal_fields(entry: AuditEntry, contact_id: int) -> dict[str, Any]:
    changes = dict(entry.changes or {})
    if entry.entity == Contact.__tablename__ and entry.record_id == contact_id:
        return {key: value for key, value in changes.items() if key in KEPT_CONTACT_CHANGES}
    if entry.entity == Lead.__tablename__:
        erased = {"name", "email", "phone"}
    else:
        erased = set(ERASED_CHANGES.get(entry.entity, frozenset()))
    return {key: value for key, value in changes.items() if key not in erased}

