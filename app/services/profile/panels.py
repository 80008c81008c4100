"""The contact profile's left column (D1–D3): the master-data panels — which fields
each one holds and shows — and saving one panel with the same rules as the full
contact form (services.contacts.prepare, custom_fields.set_values)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from app.i18n import current_language
from app.models import Contact, FieldSection
from app.models.contact import CONSENT_CHANNELS
from app.models.custom_field import HasCustomFields
from app.services.contacts import contacts
from app.services.fields import values as custom_fields

ABOUT, CONSENT, ADDRESS, RESPONSIBLE = "about", "consent", "address", "responsible"
SECTION_PREFIX = "fields-"  # + the section's id: one panel per configurable-field section

ABOUT_FIELDS = ("first_name", "last_name", "job_title", "email", "phone", "mobile",
                "birth_date", "national_id_country", "national_id", "preferred_language",
                "website")
CONSENT_FIELDS = tuple(f"consent_{channel}{part}" for channel in CONSENT_CHANNELS
                       for part in ("", "_date", "_source"))
ADDRESS_FIELDS = ("street", "postcode", "city", "country")
RESPONSIBLE_FIELDS = ("responsible_user", "tags", "is_private")  # who reads the notes (F2)
CONSENT_LABELS = {"phone": _l("Phone"), "email": _l("E-mail"), "letter": _l("Letter")}


@dataclass(frozen=True)
class Panel:
    """One card of the left column. ``fields`` are the contact form's fields it edits;
    ``kind`` names its read-only template (``_master_<kind>.html``)."""

    key: str
    kind: str
    title: Any
    fields: tuple[str, ...]
    editable: bool = True
    section: FieldSection | None = None


@dataclass(frozen=True)
class ConsentRow:
    channel: Any
    given: bool
    since: date | None
    source: str | None


def panels(contact: Contact) -> list[Panel]:
    """The master-data panels in page order: the standard ones, then one per section of
    the tenant's configurable contact fields (in the sections' order) with active fields."""
    standard = [
        Panel(ABOUT, ABOUT, _l("About and communication"), ABOUT_FIELDS),
        Panel(CONSENT, CONSENT, _l("Consent"), CONSENT_FIELDS),
        # B6: a company contact shows (and is edited at) its organisation's address
        Panel(ADDRESS, ADDRESS, _l("Address"), ADDRESS_FIELDS,
              editable=contacts.address_holder(contact) is contact),
        Panel(RESPONSIBLE, RESPONSIBLE, _l("Responsible user and tags"), RESPONSIBLE_FIELDS),
    ]
    return standard + section_panels("contact")


def section_panels(entity: str) -> list[Panel]:
    """One panel per section of the tenant's configurable fields of the entity
    ("contact", "organisation"), in the sections' order, those with active fields."""
    lang = current_language()
    sections = [
        Panel(f"{SECTION_PREFIX}{section.id}", "fields", section.label(lang),
              tuple(field.form_name for field in section.fields if field.active),
              section=section)
        for section in custom_fields.sections(entity)
    ]
    return [panel for panel in sections if panel.fields]


def editable_panel(contact: Contact, key: str) -> Panel | None:
    """The panel a URL names when it can be edited here; None for an unknown one or a
    company contact's address (its organisation's)."""
    return editable_among(panels(contact), key)


def editable_among(shown: list[Panel], key: str) -> Panel | None:
    return next((p for p in shown if p.key == key and p.editable), None)


def consent_rows(contact: Contact) -> list[ConsentRow]:
    return [ConsentRow(CONSENT_LABELS[channel], getattr(contact, f"consent_{channel}"),
                       getattr(contact, f"consent_{channel}_date"),
                       getattr(contact, f"consent_{channel}_source"))
            for channel in CONSENT_CHANNELS]


def section_values(record: HasCustomFields,
                   section: FieldSection) -> list[tuple[str, str]]:
    """(label, shown value) of the section's active fields for the contact (or
    organisation)."""
    lang = current_language()
    values = record.custom or {}
    return [(field.label(lang), custom_fields.display(field, values.get(field.key)))
            for field in section.fields if field.active]


def save_panel(contact: Contact, panel: Panel, form_values: dict[str, Any]) -> None:
    """Check a panel's change, already copied onto the contact, with the full form's
    rules; a configurable-field section's values (by form name) are checked and stored.
    Raises ServiceError (FieldErrors for several fields); the caller commits or rolls
    back."""
    contacts.prepare(contact, is_new=False)
    save_section(contact, panel, form_values)


def save_section(record: HasCustomFields, panel: Panel, form_values: dict[str, Any]) -> None:
    """A configurable-field section's values (by form name), checked and stored."""
    if panel.section is not None:
        custom_fields.set_values(
            record, {name: form_values[name] for name in panel.fields if name in form_values})


def restrict_email_access(contact: Contact, restricted: bool) -> None:
    """F1: whether only administrators may read the e-mails linked to the contact."""
    contact.email_access_restricted = restricted
