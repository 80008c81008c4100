"""One row of an import file as a contact's or an organisation's values, checked by the
same rules as the forms (services.contacts: ``contacts.check_row`` and
``organisations.prepare``; configurable fields by ``fields.values.clean``). The rules
run on a plain record of attributes, not a mapped object: creating 100,000 ORM objects
would cost more than the whole import may take. What the rules need the database for
(is the e-mail in use?) is asked for a batch of rows at once (matching.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from types import SimpleNamespace
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from app.models import Contact, Organisation
from app.models.contact import CONSENT_CHANNELS
from app.models.custom_field import DATE, DECIMAL, INTEGER
from app.services import identifiers
from app.services.contacts import contacts, organisations
from app.services.errors import FieldErrors, ServiceError
from app.services.fields import values as custom_fields
from app.services.imports import values
from app.services.imports.mapping import CONTACTS, fields
from app.services.settings import home_country

CONTACT_TEXT = ("first_name", "last_name", "email", "phone", "mobile", "job_title",
                "national_id", "website", "street", "postcode", "city",
                "preferred_language")
ORGANISATION_TEXT = ("name", "registration_number", "phone", "email", "website",
                     "industry", "street", "postcode", "city", "notes")
CONTACT_VALUES = (*CONTACT_TEXT, "country", "national_id_country", "birth_date")
LIMITS = {"first_name": 100, "last_name": 100, "job_title": 150, "street": 200,
          "postcode": 20, "city": 100, "name": 200, "industry": 100, "email": 254,
          "website": 300}


@dataclass
class Employer:
    """The organisation a contact row names: by registration number, else by name."""

    name: str
    registration_number: str | None


@dataclass
class Record:
    line: int
    cells: list[Any]
    values: dict[str, Any]
    custom: dict[str, Any] = field(default_factory=dict)
    employer: Employer | None = None
    photo: Any = None  # a checked picture (vCards), stored when the record is saved


class Reader:
    """Turns rows into records for one file: the columns' fields looked up once."""

    def __init__(self, kind: str, columns: list[str]) -> None:
        self.kind = kind
        self.columns = [(index, key) for index, key in enumerate(columns) if key]
        self.custom = {f.key: f.custom for f in fields(kind) if f.custom is not None}
        self.home = home_country()

    def read(self, line: int, cells: list[Any]) -> Record:
        """The checked record of a row, or FieldErrors naming every refused field."""
        raw = {key: cells[index] for index, key in self.columns}
        errors: dict[str, Any] = {}
        record = Record(line, cells, {})
        build: Callable[[dict[str, Any], Record, dict], None] = (
            self._contact if self.kind == CONTACTS else self._organisation)
        _collect(errors, partial(build, raw, record, errors))
        for key, definition in self.custom.items():
            if key in raw:
                value = _caught(errors, partial(_custom_value, definition, raw[key]))
                record.custom[definition.key] = value
        record.custom = {key: value for key, value in record.custom.items()
                         if value is not None}
        if errors:
            raise FieldErrors(errors)
        return record

    def _contact(self, raw: dict[str, Any], record: Record, errors: dict) -> None:
        given = {key: values.text(raw[key]) if key in raw else "" for key in CONTACT_TEXT}
        if "full_name" in raw:
            _split_full_name(given, values.text(raw["full_name"]))
        probe = SimpleNamespace(**given, id=None, **CONSENTS)
        probe.country = self._converted(raw, "country", values.to_country, errors)
        probe.national_id_country = self._converted(raw, "national_id_country",
                                                    values.to_country, errors)
        probe.birth_date = self._converted(raw, "birth_date", values.to_date, errors)
        number = self._converted(raw, "customer_number", values.to_int, errors)
        _collect(errors, lambda: contacts.check_row(cast(Contact, probe)))
        _check_lengths(probe, errors)
        found = probe.__dict__
        record.values = {key: found[key] or None for key in CONTACT_VALUES}
        record.values["customer_number"] = number
        if "organisation" in raw or "registration_number" in raw:
            record.employer = _caught(errors, lambda: self._employer(raw))
        if isinstance(raw.get("photo"), bytes) and raw["photo"]:
            record.photo = _caught(errors, lambda: _picture(raw["photo"]))

    @staticmethod
    def _converted(raw: dict[str, Any], key: str, convert: Callable[[Any, str], Any],
                   errors: dict[str, Any]) -> Any:
        if key not in raw:
            return None
        return _caught(errors, lambda: convert(raw[key], key))

    def _employer(self, raw: dict[str, Any]) -> Employer | None:
        name = values.text(raw.get("organisation"))
        number = identifiers.normalise_registration_number(
            values.text(raw.get("registration_number")), self.home)
        if not name and not number:
            return None
        if not name:
            raise ServiceError(_l("Give the organisation's name with its registration "
                                  "number."), field="organisation")
        return Employer(name[:200], number)

    def _organisation(self, raw: dict[str, Any], record: Record, errors: dict) -> None:
        probe = SimpleNamespace(**{key: values.text(raw.get(key)) for key in
                                   ORGANISATION_TEXT})
        for key in ("country", "registration_country"):
            setattr(probe, key, self._converted(raw, key, values.to_country, errors))
        if probe.registration_number and not probe.registration_country:
            probe.registration_country = self.home
        _collect(errors, lambda: organisations.prepare(cast(Organisation, probe)))
        if probe.email:
            _collect(errors, lambda: identifiers.check_email_syntax(probe.email))
        _check_lengths(probe, errors)
        record.values = {key: getattr(probe, key) or None
                         for key in (*ORGANISATION_TEXT, "country", "registration_country")}


# An imported contact has given no consent (the import holds no date or source of one).
CONSENTS = {name: value for channel in CONSENT_CHANNELS for name, value in (
    (f"consent_{channel}", False), (f"consent_{channel}_date", None),
    (f"consent_{channel}_source", None))}


def _split_full_name(given: dict[str, str], full: str) -> None:
    """"Anna Marie Hansen" → first "Anna Marie", last "Hansen"; "Hansen, Anna" too."""
    if not full or (given["first_name"] and given["last_name"]):
        return
    if "," in full:
        last, _, first = full.partition(",")
    else:
        first, _, last = full.rpartition(" ")
        if not first:
            first, last = last, ""
    given["first_name"] = given["first_name"] or first.strip()
    given["last_name"] = given["last_name"] or last.strip()


def _custom_value(definition, cell: Any) -> Any:
    """A configurable field's value: the cell read as its type, checked by the field."""
    if definition.field_type == DATE:
        raw: Any = values.to_date(cell, definition.form_name)
    elif definition.field_type in (INTEGER, DECIMAL):
        raw = values.number_text(cell)
    else:
        raw = values.text(cell)
    return custom_fields.clean(definition, raw)


def _picture(data: bytes):
    import io

    from app.services.contacts import photos

    return photos.read_upload(io.BytesIO(data), field="photo")


def _check_lengths(probe: SimpleNamespace, errors: dict[str, Any]) -> None:
    for key, limit in LIMITS.items():
        value = getattr(probe, key, None)
        if isinstance(value, str) and len(value) > limit:
            errors.setdefault(key, lazy_ngettext("At most %(num)d character.",
                                                 "At most %(num)d characters.", limit))


def _collect(errors: dict[str, Any], check: Callable[[], object]) -> None:
    _caught(errors, check)


def _caught(errors: dict[str, Any], produce: Callable[[], Any]) -> Any:
    """What ``produce`` gives; None with its refusal added to ``errors`` (first wins)."""
    try:
        return produce()
    except FieldErrors as exc:
        for name, message in exc.errors.items():
            errors.setdefault(name, message)
    except ServiceError as exc:
        errors.setdefault(exc.field or "", exc.message)
    return None
