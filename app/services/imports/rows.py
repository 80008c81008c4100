"""One row of an import file as a contact's or an organisation's values, checked by the
same rules as the forms (services.contacts: ``contacts.check_row`` and
``organisations.prepare``; configurable fields by ``fields.values.clean``). The rules
run on a plain record of attributes, not a mapped object: creating 100,000 ORM objects
would cost more than the whole import may take. What the rules need the database for
(is the e-mail in use?) is asked for a batch of rows at once (matching.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from app.models import Contact, Organisation
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
    key: str = field(init=False)  # the same organisation's, whichever row names it

    def __post_init__(self) -> None:
        self.key = f"#{self.registration_number}" if self.registration_number \
            else self.name.lower()


@dataclass
class Record:
    line: int
    cells: list[Any]
    values: dict[str, Any]
    custom: dict[str, Any] = field(default_factory=dict)
    employer: Employer | None = None
    photo: Any = None  # a checked picture (vCards), stored when the record is saved


# Cells read as values of their type before the rules run (in this order).
CONVERTED: dict[str, Callable[[Any, str], Any]] = {
    "country": values.to_country, "national_id_country": values.to_country,
    "birth_date": values.to_date, "customer_number": values.to_int}
EMPLOYERS_KEPT = 10_000  # organisations remembered by their cells (most files name few)


class _Probe:
    """A row's values as the attributes the contact rules read and set (the dict is
    the object's own: what the rules normalise is found in it)."""

    def __init__(self, found: dict[str, Any]) -> None:
        self.__dict__ = found


class Reader:
    """Turns rows into records for one file: the columns' fields, the tenant's settings
    and its country looked up once, not per row."""

    def __init__(self, kind: str, columns: list[str]) -> None:
        self.kind = kind
        self.columns = [(index, key) for index, key in enumerate(columns) if key]
        index_of = dict((key, index) for index, key in self.columns)  # the last one wins
        self.custom = [(index_of[f.key], f.custom) for f in fields(kind)
                       if f.custom is not None and f.key in index_of]
        self.texts = [(index_of[key], key) for key in CONTACT_TEXT if key in index_of]
        self.converted = [(index_of[key], key, convert) for key, convert in CONVERTED.items()
                          if key in index_of]
        # the lengths to check: of the values the file gives (a name split from a full
        # name, a web address the rules complete)
        given = {key for _index, key in self.texts} | (
            {"first_name", "last_name"} if "full_name" in index_of else set())
        self.limits = [(key, limit) for key, limit in LIMITS.items() if key in given]
        self.blank = {**dict.fromkeys(CONTACT_TEXT, ""), "id": None, "country": None,
                      "national_id_country": None, "birth_date": None}
        self.home = home_country()
        self.rules = contacts.Rules.current()
        self.checks = contacts.row_checks({key for _index, key in self.texts})
        self.full_name = index_of.get("full_name")
        self.employer_cells = (index_of.get("organisation"), index_of.get("registration_number"))
        self.photo = index_of.get("photo")
        self.employers: dict[tuple[Any, Any], Employer | None] = {}

    def read(self, line: int, cells: list[Any]) -> Record:
        """The checked record of a row, or FieldErrors naming every refused field."""
        errors: dict[str, Any] = {}
        record = Record(line, cells, {})
        try:
            if self.kind == CONTACTS:
                self._contact(cells, record, errors)
            else:
                self._organisation({key: cells[index] for index, key in self.columns},
                                   record, errors)
        except ServiceError as exc:
            _add(errors, exc)
        for index, definition in self.custom:
            try:
                value = _custom_value(definition, cells[index])
            except ServiceError as exc:
                _add(errors, exc)
                continue
            if value is not None:
                record.custom[definition.key] = value
        if errors:
            raise FieldErrors(errors)
        return record

    def _contact(self, cells: list[Any], record: Record, errors: dict) -> None:
        given = self.blank.copy()
        for index, key in self.texts:
            cell = cells[index]
            given[key] = cell.strip() if type(cell) is str else values.text(cell)
        if self.full_name is not None:
            _split_full_name(given, values.text(cells[self.full_name]))
        number = None
        for index, key, convert in self.converted:
            try:
                converted = convert(cells[index], key)
            except ServiceError as exc:
                _add(errors, exc)
                converted = None
            if key == "customer_number":
                number = converted
            else:
                given[key] = converted
        try:
            contacts.check_row(cast(Contact, _Probe(given)), self.rules, self.checks)
        except ServiceError as exc:
            _add(errors, exc)
        for key, limit in self.limits:
            if len(given[key] or "") > limit:
                errors.setdefault(key, too_long(limit))
        record.values = {key: given[key] or None for key in CONTACT_VALUES}
        record.values["customer_number"] = number
        if self.employer_cells != (None, None):
            try:
                record.employer = self._employer(cells)
            except ServiceError as exc:
                _add(errors, exc)
        photo = cells[self.photo] if self.photo is not None else None
        if isinstance(photo, bytes) and photo:
            record.photo = _caught(errors, lambda: _picture(photo))

    def _employer(self, row: list[Any]) -> Employer | None:
        """The organisation the row names; the same cells read once per file."""
        name_at, number_at = self.employer_cells
        cells = (None if name_at is None else row[name_at],
                 None if number_at is None else row[number_at])
        if cells in self.employers:
            return self.employers[cells]
        name = values.text(cells[0])
        number = identifiers.normalise_registration_number(values.text(cells[1]), self.home)
        if not name and not number:
            employer = None
        elif not name:
            raise ServiceError(_l("Give the organisation's name with its registration "
                                  "number."), field="organisation")
        else:
            employer = Employer(name[:200], number)
        if len(self.employers) < EMPLOYERS_KEPT:
            self.employers[cells] = employer
        return employer

    @staticmethod
    def _converted(raw: dict[str, Any], key: str, convert: Callable[[Any, str], Any],
                   errors: dict[str, Any]) -> Any:
        if key not in raw:
            return None
        return _caught(errors, lambda: convert(raw[key], key))

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
        _check_lengths(vars(probe), errors)
        record.values = {key: getattr(probe, key) or None
                         for key in (*ORGANISATION_TEXT, "country", "registration_country")}


def _split_full_name(given: dict[str, Any], full: str) -> None:
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


def too_long(limit: int) -> Any:
    """The refusal of a cell longer than its field takes."""
    return lazy_ngettext("At most %(num)d character.", "At most %(num)d characters.", limit)


def _check_lengths(found: dict[str, Any], errors: dict[str, Any]) -> None:
    for key, limit in LIMITS.items():
        value = found.get(key)
        if isinstance(value, str) and len(value) > limit:
            errors.setdefault(key, too_long(limit))


def _collect(errors: dict[str, Any], check: Callable[[], object]) -> None:
    _caught(errors, check)


def _caught(errors: dict[str, Any], produce: Callable[[], Any]) -> Any:
    """What ``produce`` gives; None with its refusal added to ``errors`` (first wins)."""
    try:
        return produce()
    except ServiceError as exc:
        _add(errors, exc)
    return None


def _add(errors: dict[str, Any], exc: ServiceError) -> None:
    """The refusal's fields and messages added to ``errors`` (the first of each wins)."""
    if isinstance(exc, FieldErrors):
        for name, message in exc.errors.items():
            errors.setdefault(name, message)
    else:
        errors.setdefault(exc.field or "", exc.message)
