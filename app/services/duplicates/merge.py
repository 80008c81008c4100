"""Merging a pair of duplicates (B16): the survivor keeps its own values except the fields
the user takes from the other record, every record linked to the other moves to the
survivor, and the other is deleted. The merge is one entry in the survivor's history,
which also takes over the other's history. Never commits.

Every foreign key to a contact or an organisation is named in ``CONTACT_LINKS`` or
``ORGANISATION_LINKS`` with the function that moves it; tests/test_duplicates.py fails
for a foreign key named in neither, and a merge refuses to delete a record that anything
still refers to (a programming error, not a user's)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from app import audit
from app.audit import unrecorded
from app.extensions import db
from app.models import (
    Activity,
    Attachment,
    AuditEntry,
    Campaign,
    Case,
    Contact,
    Employment,
    Lead,
    Opportunity,
    Organisation,
    Project,
    Task,
)
from app.models.api import ExternalId
from app.models.audit import ACTION_MERGE
from app.models.contact import CONSENT_CHANNELS
from app.models.tag import contact_tag, organisation_tag
from app.services.contacts import contacts, organisations
from app.services.duplicates import marks
from app.services.errors import ServiceError

Record = Contact | Organisation
Mover = Callable[[Any, Any], None]  # (survivor, other): move the other's links
CUSTOM_PREFIX = "custom."
# In a merge's history entry: the names of the merged record and of the one it went into.
MERGED_FROM = "merged_from"
MERGED_INTO = "merged_into"


@dataclass(frozen=True)
class MergeField:
    """A value chosen as one: a column, or columns that only make sense together."""

    name: str
    columns: tuple[str, ...]


def _fields(*specs: str | tuple[str, tuple[str, ...]]) -> tuple[MergeField, ...]:
    return tuple(MergeField(s, (s,)) if isinstance(s, str) else MergeField(*s) for s in specs)


ADDRESS = ("address", ("street", "postcode", "city", "country"))
CONTACT_FIELDS = _fields(
    "kind", "first_name", "last_name", "email", "phone", "mobile", "job_title",
    "birth_date", ("national_id", ("national_id_country", "national_id")), ADDRESS,
    "preferred_language", "website", "photo", ("responsible_user", ("responsible_user_id",)),
    "customer_number",
    *((f"consent_{c}", (f"consent_{c}", f"consent_{c}_date", f"consent_{c}_source"))
      for c in CONSENT_CHANNELS))
ORGANISATION_FIELDS = _fields(
    "name", ("registration_number", ("registration_country", "registration_number")),
    ADDRESS, "phone", "email", "website", "industry", "notes",
    ("responsible_user", ("responsible_user_id",)))
# Kept when either record has them: a wish to sync, a privacy restriction.
FLAGS = {Contact: ("address_book_sync", "is_private", "email_access_restricted"),
         Organisation: ()}
FIELDS = {Contact: CONTACT_FIELDS, Organisation: ORGANISATION_FIELDS}


# --- the choice of values --------------------------------------------------------------

def _empty(value: Any) -> bool:
    return value is None or value == "" or value is False or value == []


def columns_of(record: Record, name: str) -> tuple[str, ...]:
    """The columns of a standard merge field (its name for a configurable one)."""
    if name.startswith(CUSTOM_PREFIX):
        return (name,)
    field = next((f for f in FIELDS[type(record)] if f.name == name), None)
    if field is None:
        raise ServiceError(_l("Not a valid choice."))
    return field.columns


def field_values(record: Record, name: str) -> tuple[Any, ...]:
    """The value(s) of a merge field (``custom.<key>`` for a configurable one)."""
    if name.startswith(CUSTOM_PREFIX):
        return ((record.custom or {}).get(name.removeprefix(CUSTOM_PREFIX)),)
    return tuple(getattr(record, column) for column in columns_of(record, name))


def field_names(first: Record, second: Record) -> list[str]:
    """Every merge field of the pair: the standard ones, then the configurable values
    either record has."""
    keys = sorted(set(first.custom or {}) | set(second.custom or {}))
    return [f.name for f in FIELDS[type(first)]] + [CUSTOM_PREFIX + key for key in keys]


def differing_fields(first: Record, second: Record) -> list[str]:
    return [name for name in field_names(first, second)
            if field_values(first, name) != field_values(second, name)]


def filled_from_other(survivor: Record, other: Record) -> set[str]:
    """The fields the survivor lacks and the other has: taken unless chosen otherwise."""
    return {name for name in differing_fields(survivor, other)
            if all(_empty(v) for v in field_values(survivor, name))
            and not all(_empty(v) for v in field_values(other, name))}


def _taken(other: Record, take: Iterable[str]) -> dict[str, Any]:
    """column (or ``custom.<key>``) → the other's value, read before it is deleted."""
    values: dict[str, Any] = {}
    for name in take:
        values.update(zip(columns_of(other, name), field_values(other, name), strict=True))
    return values


def _apply(survivor: Record, values: dict[str, Any]) -> None:
    custom = dict(survivor.custom or {})
    for column, value in values.items():
        if column.startswith(CUSTOM_PREFIX):
            key = column.removeprefix(CUSTOM_PREFIX)
            if value is None:
                custom.pop(key, None)
            else:
                custom[key] = value
        else:
            setattr(survivor, column, value)
    survivor.custom = custom  # a new dict: the JSON column sees the change


# --- moving what is linked ---------------------------------------------------------------

def _relation(model: type, name: str) -> Mover:
    """Records whose ``name`` (a many-to-one) is the other now name the survivor."""
    column = getattr(model, f"{name}_id")

    def move(survivor: Record, other: Record) -> None:
        records: Iterable[Any] = db.session.scalars(select(model).where(column == other.id))
        for record in records:
            setattr(record, name, survivor)

    return move


def _external_ids(column: Any) -> Mover:
    """The ids other systems know the other by name the survivor (an upsert by either
    id then finds it)."""
    def move(survivor: Record, other: Record) -> None:
        db.session.execute(update(ExternalId).where(column == other.id)
                           .values({column.key: survivor.id}))

    return move


def _members(model: type, name: str) -> Mover:
    """Records listing the other among ``name`` (many-to-many) list the survivor, once."""
    relation = getattr(model, name)

    def move(survivor: Contact, other: Contact) -> None:
        records: Iterable[Any] = db.session.scalars(select(model).where(
            relation.any(Contact.id == other.id)))
        for record in records:
            members = [c for c in getattr(record, name) if c.id != other.id]
            if all(c.id != survivor.id for c in members):
                members.append(survivor)
            setattr(record, name, members)

    return move


def _case_parties(survivor: Contact, other: Contact) -> None:
    """The survivor takes the other's place as primary or secondary party, and is never
    both on one case."""
    for case in db.session.scalars(select(Case).where(or_(
            Case.primary_contact_id == other.id,
            Case.secondary_contacts.any(Contact.id == other.id)))):
        was_party = any(c.id == other.id for c in case.secondary_contacts)
        if case.primary_contact_id == other.id:
            case.primary_contact = survivor
        parties = [c for c in case.secondary_contacts if c.id not in (other.id, survivor.id)]
        if (was_party or any(c.id == survivor.id for c in case.secondary_contacts)) and (
                case.primary_contact is not survivor):
            parties.append(survivor)
        case.secondary_contacts = parties


def _tags(link: Any, column: str) -> Mover:
    def move(survivor: Record, other: Record) -> None:
        survivor.tags = [*survivor.tags, *(t for t in other.tags if t not in survivor.tags)]
        # the other's own rows go now (its tags are in its creation's history entry)
        db.session.execute(delete(link).where(link.c[column] == other.id))
        db.session.expire(other, ["tags"])

    return move


def _same_job(kept: Employment, moved: Employment) -> bool:
    if kept.organisation_id != moved.organisation_id:
        return False
    return (kept.is_current and moved.is_current) or (
        (kept.start_date, kept.end_date) == (moved.start_date, moved.end_date))


def _join_jobs(kept: Employment, moved: Employment) -> None:
    """One employment from two at the same organisation: the earlier start, the title."""
    kept.title = kept.title or moved.title
    starts = [d for d in (kept.start_date, moved.start_date) if d]
    kept.start_date = min(starts) if starts else None


def _contact_employments(survivor: Contact, other: Contact) -> None:
    for employment in list(other.employments):
        kept = next((e for e in survivor.employments if _same_job(e, employment)), None)
        if kept is not None:
            _join_jobs(kept, employment)
            other.employments.remove(employment)  # deleted: the same job twice
        else:
            employment.is_primary = False  # the survivor's primary job stays primary
            employment.contact = survivor


def _organisation_employments(survivor: Organisation, other: Organisation) -> None:
    moved = list(db.session.scalars(select(Employment).where(
        Employment.organisation_id == other.id)))
    kept = list(db.session.scalars(select(Employment).where(
        Employment.organisation_id == survivor.id,
        Employment.contact_id.in_({e.contact_id for e in moved})))) if moved else []
    for employment in moved:
        twin = next((e for e in kept if e.contact_id == employment.contact_id
                     and _same_job(e, _at(employment, survivor))), None)
        if twin is not None:
            _join_jobs(twin, employment)
            twin.is_primary = twin.is_primary or employment.is_primary
            db.session.delete(employment)
        else:
            employment.organisation = survivor


def _at(employment: Employment, organisation: Organisation) -> Employment:
    """A stand-in of the employment at another organisation, for comparing."""
    return Employment(organisation_id=organisation.id, start_date=employment.start_date,
                      end_date=employment.end_date)


def _marks(entity: str) -> Mover:
    def move(survivor: Record, other: Record) -> None:
        marks.move_marks(entity, survivor.id, other.id)

    return move


_case_parties_mover: Mover = _case_parties
_contact_marks = _marks("contact")
_organisation_marks = _marks("organisation")

# (table, column) of every foreign key to the merged table → what moves it, in order.
CONTACT_LINKS: dict[tuple[str, str], Mover] = {
    ("employment", "contact_id"): _contact_employments,
    ("contact_tag", "contact_id"): _tags(contact_tag, "contact_id"),
    ("crm_case", "primary_contact_id"): _case_parties_mover,
    ("case_contact", "contact_id"): _case_parties_mover,
    ("task", "contact_id"): _relation(Task, "contact"),
    ("opportunity", "contact_id"): _relation(Opportunity, "contact"),
    ("lead", "contact_id"): _relation(Lead, "contact"),
    ("attachment", "contact_id"): _relation(Attachment, "contact"),
    ("activity_contact", "contact_id"): _members(Activity, "contacts"),
    ("campaign_contact", "contact_id"): _members(Campaign, "participants"),
    ("project_contact", "contact_id"): _members(Project, "participants"),
    ("external_id", "contact_id"): _external_ids(ExternalId.contact_id),
    ("distinct_contacts", "first_id"): _contact_marks,
    ("distinct_contacts", "second_id"): _contact_marks,
}


def _contacts_working_there(survivor: Organisation, other: Organisation) -> None:
    """The contacts' primary organisation column (kept by services.contacts)."""
    _relation(Contact, "organisation")(survivor, other)


ORGANISATION_LINKS: dict[tuple[str, str], Mover] = {
    ("employment", "organisation_id"): _organisation_employments,
    ("contact", "organisation_id"): _contacts_working_there,
    ("organisation_tag", "organisation_id"): _tags(organisation_tag, "organisation_id"),
    ("crm_case", "organisation_id"): _relation(Case, "organisation"),
    ("project", "organisation_id"): _relation(Project, "organisation"),
    ("opportunity", "organisation_id"): _relation(Opportunity, "organisation"),
    ("activity", "organisation_id"): _relation(Activity, "organisation"),
    ("attachment", "organisation_id"): _relation(Attachment, "organisation"),
    ("external_id", "organisation_id"): _external_ids(ExternalId.organisation_id),
    ("distinct_organisations", "first_id"): _organisation_marks,
    ("distinct_organisations", "second_id"): _organisation_marks,
}
LINKS: dict[type, dict[tuple[str, str], Mover]] = {
    Contact: CONTACT_LINKS, Organisation: ORGANISATION_LINKS}


def foreign_keys_to(table_name: str) -> set[tuple[str, str]]:
    """(table, column) of every foreign key in the schema naming ``table_name``."""
    return {(fk.parent.table.name, fk.parent.name)
            for table in db.metadata.tables.values() for fk in table.foreign_keys
            if fk.column.table.name == table_name}


def _still_referring(table_name: str, record_id: int) -> list[str]:
    left = []
    for table, column in sorted(foreign_keys_to(table_name)):
        link = db.metadata.tables[table]
        count = db.session.scalar(select(func.count()).select_from(link)
                                  .where(link.c[column] == record_id))
        if count:
            left.append(f"{table}.{column}: {count}")
    return left


def _move_links(survivor: Record, other: Record) -> None:
    done: set[Mover] = set()
    for mover in LINKS[type(survivor)].values():
        if mover not in done:
            done.add(mover)
            mover(survivor, other)
    db.session.flush()
    left = _still_referring(survivor.__tablename__, other.id)
    if left:  # a table added without its mover: stop before a cascade loses its rows
        raise RuntimeError(f"merge left rows naming {survivor.__tablename__} "
                           f"{other.id}: {', '.join(left)}")


# --- the merge -------------------------------------------------------------------------

def _check_pair(survivor: Record, other: Record) -> None:
    if type(survivor) is not type(other) or survivor.id is None or other.id is None \
            or survivor.id == other.id:
        raise ServiceError(_l("Choose two different records of the same kind."))
    if isinstance(survivor, Organisation) and isinstance(other, Organisation) and (
            survivor.is_private_customers or other.is_private_customers):
        raise ServiceError(_l("The private-customers organisation cannot be merged."))


def _merge(survivor: Record, other: Record, take: Iterable[str]) -> dict[str, Any]:
    """The steps both kinds share; returns the values taken from the other."""
    _check_pair(survivor, other)
    values = _taken(other, take)
    flags = {flag: True for flag in FLAGS[type(survivor)] if getattr(other, flag)}
    _move_links(survivor, other)
    # the other's history becomes the survivor's, so one profile (and one erasure)
    # holds all of it; its deletion is the merge entry, which keeps its last values
    db.session.execute(update(AuditEntry).where(
        AuditEntry.entity == other.__tablename__, AuditEntry.record_id == other.id,
    ).values(record_id=survivor.id).execution_options(synchronize_session=False))
    with unrecorded(db.session):
        db.session.delete(other)  # flushed: its unique values (e-mail …) are free now
    _apply(survivor, {**values, **flags})
    return values


def _record_merge(survivor: Record, merged: dict[str, list], user_id: int | None) -> None:
    """One entry in the survivor's history: which record merged into which, and the
    merged record's values as they were (as a deletion records them)."""
    db.session.add(AuditEntry(
        entity=survivor.__tablename__, record_id=survivor.id, action=ACTION_MERGE,
        user_id=user_id, changes={**merged, MERGED_INTO: [None, _name(survivor)]}))


def _merged_values(other: Record) -> dict[str, list]:
    return {**audit.snapshot(other), MERGED_FROM: [_name(other), None]}


def _name(record: Record) -> str:
    return f"{record} (#{record.id})"


def merge_contacts(survivor: Contact, other: Contact, take: Iterable[str] = (),
                   user_id: int | None = None) -> list[str]:
    """Merge ``other`` into ``survivor``, taking the fields named in ``take`` from the
    other. Returns the photo files no longer used, to remove once committed."""
    photos, merged = [survivor.photo, other.photo], _merged_values(other)
    _merge(survivor, other, take)
    contacts.prepare(survivor, is_new=False)
    _record_merge(survivor, merged, user_id)
    return [name for name in photos if name and name != survivor.photo]


def merge_organisations(survivor: Organisation, other: Organisation, take: Iterable[str] = (),
                        user_id: int | None = None) -> None:
    """Merge ``other`` into ``survivor``, taking the fields named in ``take`` from it."""
    merged = _merged_values(other)
    _merge(survivor, other, take)
    organisations.prepare(survivor)
    _record_merge(survivor, merged, user_id)


def merge_pair(survivor: Record, other: Record, take: Iterable[str] = (),
               user_id: int | None = None) -> list[str]:
    """Either kind of merge; the files no longer used (a contact's photo), to remove
    once committed."""
    if isinstance(survivor, Contact) and isinstance(other, Contact):
        return merge_contacts(survivor, other, take, user_id)
    if isinstance(survivor, Organisation) and isinstance(other, Organisation):
        merge_organisations(survivor, other, take, user_id)
        return []
    raise ServiceError(_l("Choose two different records of the same kind."))
