"""Contacts and organisations written from plain values (services.records): their
columns, references, tags, the contact's employer, and their ids in other systems."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import Contact, Employment, ExternalId, Organisation, Tag, User
from app.models.contact import CONSENT_CHANNELS, KIND_PRIVATE
from app.models.tag import DEFAULT_TAG_COLOUR
from app.services import records
from app.services.contacts import contacts, organisations, photos
from app.services.errors import FieldErrors
from app.services.text import required_text

ADDRESS = ("street", "postcode", "city", "country")
CONTACT_COLUMNS = frozenset({
    "kind", "first_name", "last_name", "email", "phone", "mobile", "job_title",
    "birth_date", "national_id", "national_id_country", "preferred_language", "website",
    "address_book_sync", "is_private", *ADDRESS,
    *(f"consent_{c}{part}" for c in CONSENT_CHANNELS for part in ("", "_date", "_source")),
})
ORGANISATION_COLUMNS = frozenset({
    "name", "registration_number", "registration_country", "phone", "email", "website",
    "industry", "notes", *ADDRESS,
})
SYSTEM_LENGTH, EXTERNAL_ID_LENGTH = 50, 200


def _set_employer(contact: Contact, organisation_id: int, _user: User) -> None:
    """The contact works at the organisation now, as the primary employment: added when
    it is not a current employer already (the other employments are kept)."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise FieldErrors({"organisation_id": _l("No such record.")})
    current = [e for e in contact.employments if e.is_current]
    here = next((e for e in current if organisations.is_organisation(e, organisation)), None)
    if here is None:
        if contact.kind == KIND_PRIVATE or organisation.is_private_customers:
            raise FieldErrors({"organisation_id": _l(
                "Private customers are not employed by organisations.")})
        here = Employment(organisation=organisation)
        contact.employments.append(here)
    for employment in current:
        employment.is_primary = employment is here


def _prepare_contact(contact: Contact, is_new: bool, user: User) -> None:
    contacts.prepare(contact, is_new=is_new, creator_id=user.id)


def _prepare_organisation(organisation: Organisation, _is_new: bool, _user: User) -> None:
    organisations.prepare(organisation)


def _remove_photo(contact: Contact) -> None:
    photos.remove(contact.photo)


def external_ids_of(record: Contact | Organisation) -> dict[str, str]:
    column = _owner_column(record)
    return {row.system: row.value for row in db.session.scalars(
        select(ExternalId).where(column == record.id).order_by(ExternalId.system))}


def _owner_column(record_or_model: Any):
    model = record_or_model if isinstance(record_or_model, type) else type(record_or_model)
    return ExternalId.contact_id if model is Contact else ExternalId.organisation_id


def _entity(record_or_model: Any) -> str:
    model = record_or_model if isinstance(record_or_model, type) else type(record_or_model)
    return "contact" if model is Contact else "organisation"


def with_external_id(model: type[Contact] | type[Organisation], system: str,
                     value: str) -> Contact | Organisation | None:
    """The tenant's record another system knows by this id, or None."""
    return db.session.scalar(  # type: ignore[return-value]
        select(model).join(ExternalId, _owner_column(model) == model.id)
        .where(ExternalId.entity == _entity(model), ExternalId.system == system,
               ExternalId.value == value))


def set_external_ids(record: Contact | Organisation, ids: Mapping[str, str | None],
                     _user: User) -> None:
    """The record's ids in other systems, by system; None forgets one. An id another
    record of the tenant has already is refused."""
    db.session.flush()  # the record's id, to link the ids to
    column, entity = _owner_column(record), _entity(record)
    errors: dict[str, Any] = {}
    for system, value in ids.items():
        system, value = system.strip(), (value or "").strip() or None
        if not system or len(system) > SYSTEM_LENGTH or (value and len(value) > EXTERNAL_ID_LENGTH):
            errors[f"external_ids.{system}"] = _l("The text is too long.") if system \
                else _l("This field is required.")
            continue
        mine = db.session.scalar(select(ExternalId).where(
            column == record.id, ExternalId.system == system))
        if value is None:
            if mine is not None:
                db.session.delete(mine)
            continue
        holder = with_external_id(type(record), system, value)
        if holder is not None and holder is not record:
            errors[f"external_ids.{system}"] = _l("Another record has this id.")
        elif mine is None:
            db.session.add(ExternalId(entity=entity, system=system, value=value,
                                      **{column.key: record.id}))
        else:
            mine.value = value
    if errors:
        raise FieldErrors(errors)


CONTACT = records.Kind(
    model=Contact, edit_right="contacts", columns=CONTACT_COLUMNS,
    references={"responsible_user_id": User},
    setters={"organisation_id": _set_employer, "tags": records.set_tags},
    prepare=_prepare_contact, saved_setters={"external_ids": set_external_ids},
    removed=_remove_photo)

ORGANISATION = records.Kind(
    model=Organisation, edit_right="organisations", columns=ORGANISATION_COLUMNS,
    references={"responsible_user_id": User}, setters={"tags": records.set_tags},
    prepare=_prepare_organisation, saved_setters={"external_ids": set_external_ids},
    ensure_deletable=organisations.ensure_deletable)



# --- employments and tags ---------------------------------------------------------------

def _prepare_employment(employment: Employment, is_new: bool, _user: User) -> None:
    """The contact's rules with the employment among its employments (no private
    customer employed, the primary employer kept); a new one not where the person works
    now already."""
    contact, organisation = employment.contact, employment.organisation
    if contact is None or organisation is None:
        raise FieldErrors({("contact_id" if contact is None else "organisation_id"):
                           _l("This field is required.")})
    employment.title = (employment.title or "").strip() or None
    if organisation.is_private_customers or contact.kind == KIND_PRIVATE:
        raise FieldErrors({"contact_id": _l(
            "Private customers are not employed by organisations.")})
    if is_new and any(e is not employment and e.organisation_id == organisation.id
                      and e.is_current for e in contact.employments):
        raise FieldErrors({"contact_id": _l("%(name)s already works here.",
                                            name=contact.full_name)})
    contacts.prepare(contact, is_new=False)


def _employment_deleted(employment: Employment, _user: User) -> None:
    """The contact's primary employer follows from the employments left."""
    contact = employment.contact
    if employment in contact.employments:
        contact.employments.remove(employment)
    contacts.prepare(contact, is_new=False)


def _prepare_tag(tag: Tag, _is_new: bool, _user: User) -> None:
    """A name, unique in the tenant whatever its case (tags are found by name), and a
    colour as "#rrggbb" (it goes into a style attribute)."""
    tag.name = required_text(tag.name, "name")
    same = db.session.scalar(select(Tag.id).where(func.lower(Tag.name) == tag.name.lower(),
                                                  Tag.id != (tag.id or 0)))
    if same is not None:
        raise FieldErrors({"name": _l("A tag with this name already exists.")})
    tag.colour = tag.colour or DEFAULT_TAG_COLOUR
    if not COLOUR.fullmatch(tag.colour):
        raise FieldErrors({"colour": _l("Enter a colour as #rrggbb.")})


COLOUR = re.compile(r"#[0-9a-fA-F]{6}")

EMPLOYMENT = records.Kind(
    model=Employment, edit_right="contacts",
    columns=frozenset({"title", "start_date", "end_date", "is_primary"}),
    references={"contact_id": Contact, "organisation_id": Organisation},
    prepare=_prepare_employment, deleting=_employment_deleted)

TAG = records.Kind(model=Tag, edit_right=records.EITHER,
                   columns=frozenset({"name", "colour"}), prepare=_prepare_tag)
