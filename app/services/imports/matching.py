"""Which rows of an import are records the tenant has already, and which repeat an
earlier row of the same file: asked for a batch of rows at once (one IN query per key),
never row by row.

A contact is the same person when its e-mail (whatever its case), its customer number,
or its name at the same organisation matches; an organisation when its registration
number matches, or — given none — its name. Organisations named by contact rows are
found the same way, or created (writing.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, func, or_, select

from app.extensions import db
from app.models import Contact, Employment, Organisation
from app.services.errors import ServiceError
from app.services.imports.rows import Employer, Record
from app.services.text import lowered


def employer_key(employer: Employer) -> str:
    return employer.key


class FileKeys:
    """The keys the file's earlier rows used: a row repeating one is refused, so a file
    never makes two records of one."""

    def __init__(self) -> None:
        self.lines: dict[tuple[str, object], int] = {}

    def claim(self, record: Record, keys: Iterable[tuple[str, object]]) -> None:
        keys = [key for key in keys if key[1]]
        for key in keys:
            if key in self.lines:
                raise ServiceError(DUPLICATE[key[0]] % {"line": self.lines[key]},
                                   field=FIELD_OF[key[0]])
        for key in keys:
            self.lines[key] = record.line


DUPLICATE = {
    "email": _l("This e-mail address is also on line %(line)s."),
    "customer_number": _l("This customer number is also on line %(line)s."),
    "person": _l("This person is also on line %(line)s."),
    "registration_number": _l("This registration number is also on line %(line)s."),
    "name": _l("This organisation is also on line %(line)s."),
}
FIELD_OF = {"email": "email", "customer_number": "customer_number", "person": "last_name",
            "registration_number": "registration_number", "name": "name"}


def contact_keys(record: Record) -> list[tuple[str, object]]:
    values = record.values
    person = None
    if record.employer is not None:
        person = (employer_key(record.employer), values["first_name"].lower(),
                  values["last_name"].lower())
    return [("email", (values["email"] or "").lower()),
            ("customer_number", values["customer_number"]), ("person", person)]


def organisation_keys(record: Record) -> list[tuple[str, object]]:
    number = record.values["registration_number"]
    return [("registration_number", number),
            ("name", None if number else record.values["name"].lower())]


# --- records that exist --------------------------------------------------------------

def any_contacts() -> bool:
    """Whether the tenant has a contact at all (one query)."""
    return db.session.execute(select(Contact.id).limit(1)).first() is not None


def existing_contacts(records: list[Record], employer_ids: dict[str, int]) -> dict[int, int]:
    """{line: contact id} of the rows naming a contact the tenant has; by name at the
    organisations of ``employer_ids`` (those the tenant had before the import: one made
    by it has no one the file has not named already)."""
    found: dict[int, int] = {}
    emails = {r.values["email"].lower(): r.line for r in records if r.values["email"]}
    if emails:
        rows = db.session.execute(select(Contact.id, func.lower(Contact.email)).where(
            func.lower(Contact.email).in_(list(emails))))
        found.update({emails[email]: contact_id for contact_id, email in rows})
    numbers = {r.values["customer_number"]: r.line for r in records
               if r.values["customer_number"] and r.line not in found}
    if numbers:
        rows = db.session.execute(select(Contact.id, Contact.customer_number).where(
            Contact.customer_number.in_(list(numbers))))
        found.update({numbers[number]: contact_id for contact_id, number in rows})
    found.update(_people_at(records, employer_ids, found))
    return found


def _people_at(records: list[Record], employer_ids: dict[str, int],
               found: dict[int, int]) -> dict[int, int]:
    """Rows naming a person by name at an organisation they work at now."""
    wanted = {}
    for record in records:
        if record.line in found or record.employer is None:
            continue
        organisation_id = employer_ids.get(employer_key(record.employer))
        if organisation_id is not None:
            wanted[(organisation_id, record.values["first_name"].lower(),
                    record.values["last_name"].lower())] = record.line
    if not wanted:
        return {}
    # The last names as the file spells them and in the usual cases, so the (tenant,
    # last name) index finds the few candidates; the name is then compared folded. A
    # lower() over the column would read every person of the organisations instead.
    spellings = {variant for record in records for name in [record.values["last_name"]]
                 for variant in (name, name.lower(), name.upper(), name.title())}
    today = date.today()
    rows = db.session.execute(
        select(Contact.id, Employment.organisation_id, Contact.first_name, Contact.last_name)
        .join(Employment, Employment.contact_id == Contact.id)
        .where(Contact.last_name.in_(spellings),
               Employment.organisation_id.in_({key[0] for key in wanted}),
               or_(Employment.end_date.is_(None), Employment.end_date >= today)))
    matches = {}
    for contact_id, organisation_id, first, last in rows:
        key = (organisation_id, first.lower(), last.lower())
        if key in wanted:
            matches[wanted[key]] = contact_id
    return matches


def existing_organisations(records: list[Record]) -> dict[int, int]:
    """{line: organisation id} of the rows naming an organisation the tenant has."""
    keys = {}
    for record in records:
        number = record.values["registration_number"]
        keys[f"#{number}" if number else record.values["name"].lower()] = record.line
    known = find_organisations(keys)
    return {line: known[key] for key, line in keys.items() if key in known}


def find_organisations(keys: Iterable[str]) -> dict[str, int]:
    """{key: id} of the tenant's organisations by key ("#" + registration number, or the
    lower-case name); the lowest id where names repeat. One query."""
    keys = set(keys)
    numbers = [key[1:] for key in keys if key.startswith("#")]
    names = [key for key in keys if not key.startswith("#")]
    if not keys:
        return {}
    rows = db.session.execute(
        select(Organisation.id, lowered(Organisation.name), Organisation.registration_number)
        .where(or_(Organisation.registration_number.in_(numbers) if numbers else false(),
                   lowered(Organisation.name).in_(names) if names else false()),
               Organisation.is_private_customers.is_(False))
        .order_by(Organisation.id.desc()))
    found: dict[str, int] = {}
    for organisation_id, name, number in rows:  # lowest id last: it wins
        if number and f"#{number}" in keys:
            found[f"#{number}"] = organisation_id
        if name in keys:
            found[name] = organisation_id
    return found
