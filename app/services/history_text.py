"""The change history in words people read (D9): who created, changed or deleted what.

Audit entries store raw values (ids, ISO times, codes: see app/audit.py); they are put
into words here, when read, in the reader's language and time zone: names instead of
ids, dictionary entries by their label, translated codes, Yes/No, local times, field
labels instead of column names, internal columns left out. A creation or deletion reads
as one line ("Mette Nielsen created the call 'Ring om levering'") with its values as
details. The names a page of entries needs are loaded together, in one query whatever
the number of entries.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from babel import Locale
from flask_babel import format_date, format_datetime, format_decimal, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Numeric,
    String,
    cast,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Mapper

from app.audit import ACTION_CREATE, ACTION_DELETE, Audited
from app.extensions import Model, db
from app.i18n import current_language
from app.models import AuditEntry, User
from app.models.audit import ACTION_ERASE, ACTION_MERGE
from app.models.custom_field import localised
from app.services.activities.activities import DIRECTION_LABELS, kind_labels
from app.services.activities.mail import MAIL_STATUS_LABELS
from app.services.fields import values as custom_fields
from app.services.sales.records import STAGE_LABELS
from app.services.terms import term
from app.services.times import to_utc
from app.services.work.cases import STATUS_LABELS as CASE_STATUS_LABELS

EMPTY = "—"
CUSTOM_PREFIX = "custom."

# Columns that mean nothing to a reader (stored file names, mail headers, sort order).
HIDDEN = frozenset({"stored_name", "content_type", "message_id", "position", "key"})

# Labels of columns no screen shows; the screens' own labels come from install().
OWN_LABELS: dict[str, Any] = {
    "filename": _l("File"), "size": _l("Size"), "uploaded_by_id": _l("Uploaded by"),
    "contact_id": _l("Contact"), "case_id": _l("Case"), "activity_id": _l("Activity"),
    "organisation_id": _l("Organisation"), "photo": _l("Photo"),
    "email_access_restricted": _l("E-mails only for administrators"),
    "dictionary": _l("Dictionaries"), "labels": _l("Label"), "active": _l("Active"),
    "is_done": _l("Done"), "field_id": _l("Field"), "section_id": _l("Section"),
    "entity": _l("Record type"), "field_type": _l("Type"), "help_texts": _l("Help text"),
    "required": _l("Required"), "default_value": _l("Default value"),
    "min_value": _l("Smallest value"), "max_value": _l("Largest value"),
    "show_in_list": _l("Shown in list"), "searchable": _l("Searchable"),
    "kind_key": _l("Type"), "behaviour": _l("Behaves as"),
}

# How a created or deleted record is named, per table (activities per kind).
RECORD_PHRASES: dict[str, Any] = {
    "organisation": _l("the organisation '%(name)s'"),
    "employment": _l("the employment at '%(name)s'"),
    "crm_case": _l("the case '%(name)s'"), "task": _l("the task '%(name)s'"),
    "lead": _l("the lead '%(name)s'"), "opportunity": _l("the opportunity '%(name)s'"),
    "campaign": _l("the campaign '%(name)s'"), "project": _l("the project '%(name)s'"),
    "attachment": _l("the file '%(name)s'"),
    "dictionary_entry": _l("the dictionary entry '%(name)s'"),
    "field_section": _l("the field section '%(name)s'"),
    "field_definition": _l("the field '%(name)s'"),
    "field_choice": _l("the field choice '%(name)s'"),
}
ACTIVITY_PHRASES: dict[str, Any] = {
    "note": _l("the note '%(name)s'"), "meeting": _l("the meeting '%(name)s'"),
    "email": _l("the e-mail '%(name)s'"), "call": _l("the call '%(name)s'"),
    "letter": _l("the letter '%(name)s'"),
}
HEADLINES = {
    ACTION_CREATE: (_l("%(user)s created %(record)s"), _l("Created: %(record)s")),
    ACTION_DELETE: (_l("%(user)s deleted %(record)s"), _l("Deleted: %(record)s")),
}
# The columns a record's name is read from, per table.
NAME_COLUMNS = {"contact": ("first_name", "last_name"), "employment": ("organisation_id",),
                "crm_case": ("title",), "task": ("title",), "activity": ("subject",),
                "opportunity": ("title",), "attachment": ("filename",)}

# Set by install() from the screens (which sit above the services).
_labels_of_entity: dict[str, Mapping[str, Any]] = {}
_common_labels: dict[str, Any] = {}
_choices: dict[tuple[str, str], Mapping[str, Any]] = {}


def install(labels_of_entity: Mapping[str, Mapping[str, Any]], common_labels: Mapping[str, Any],
            choices: Mapping[tuple[str, str], Mapping[str, Any]]) -> None:
    """The screens' field labels (per table, and for every table) and the names of coded
    values ((table, column) → {code: name}) the history uses."""
    _labels_of_entity.update(labels_of_entity)
    _common_labels.update(common_labels)
    _choices.update(choices)


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.label}: {self.old} → {self.new}"


@dataclass(frozen=True)
class EntryText:
    """One entry in words: a headline for a creation, deletion or erasure, and the
    changed fields (for a creation or deletion: the record's values, shown folded)."""

    headline: str = ""
    changes: list[Change] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join([*([self.headline] if self.headline else []), *map(str, self.changes)])


def describe_entries(entries: Iterable[AuditEntry]) -> dict[int, EntryText]:
    """Each entry's text, by entry id; the names they need are loaded together."""
    entries = list(entries)
    names = _Names.for_entries((e.entity, e.changes or {}) for e in entries)
    return {entry.id: _describe(entry.entity, entry.action, entry.changes or {}, entry.user,
                                entry.record_id, names) for entry in entries}


def describe_rows(rows: Sequence[Mapping[str, Any]]) -> list[EntryText]:
    """The texts of exported history rows (record_type, record_id, action, changes,
    user: a name), in their order; the names they need are loaded together."""
    names = _Names.for_entries((row["record_type"], row["changes"] or {}) for row in rows)
    return [_describe(row["record_type"], row["action"], row["changes"] or {}, row["user"],
                      row["record_id"], names) for row in rows]


def _describe(entity: str, action: str, changes: dict, user: User | str | None,
              record_id: int | None, names: _Names) -> EntryText:
    if action == ACTION_ERASE:
        return EntryText(gettext("Personal data erased"))
    if action == ACTION_MERGE:
        return _merged(entity, changes, user, record_id, names)
    lines = [line for name, (old, new) in sorted(changes.items())
             if (line := _change(entity, name, old, new, names)) is not None]
    if action not in HEADLINES:
        return EntryText("", lines)
    record = _record_phrase(entity, changes, record_id, names)
    with_user, without_user = HEADLINES[action]
    headline = (with_user % {"user": str(user), "record": record} if user is not None
                else without_user % {"record": record})
    return EntryText(str(headline), lines)


MERGED_HEADLINES = (_l("%(user)s merged %(other)s into %(record)s"),
                    _l("%(other)s was merged into %(record)s"))
MERGE_NAMES = ("merged_from", "merged_into")


def _merged(entity: str, changes: dict, user: User | str | None, record_id: int | None,
            names: _Names) -> EntryText:
    """A duplicate merged into the record (B16): the two names, and the merged record's
    values as they were (shown as a deletion shows them)."""
    other = (changes.get("merged_from") or [EMPTY])[0] or EMPTY
    into = (changes.get("merged_into") or [None, None])[1] or (
        f"#{record_id}" if record_id is not None else EMPTY)
    with_user, without_user = MERGED_HEADLINES
    values = {"user": str(user), "other": other, "record": into}
    lines = [line for name, (old, new) in sorted(changes.items()) if name not in MERGE_NAMES
             and (line := _change(entity, name, old, new, names)) is not None]
    return EntryText(str((with_user if user is not None else without_user) % values), lines)


def _record_phrase(entity: str, changes: dict, record_id: int | None, names: _Names) -> str:
    def value(column: str) -> Any:
        old, new = changes.get(column) or (None, None)
        return new if new is not None else old

    parts = [_text(entity, column, value(column), names)
             for column in NAME_COLUMNS.get(entity, ("name",)) if value(column) is not None]
    labels = value("labels")
    if not parts and isinstance(labels, dict):
        parts = [localised(labels, current_language())]
    name = " ".join(parts) or (f"#{record_id}" if record_id is not None else EMPTY)
    if entity == "contact":
        return term("the_named", name=name)
    phrase = (ACTIVITY_PHRASES.get(value("kind")) if entity == "activity"
              else RECORD_PHRASES.get(entity))
    return str(phrase % {"name": name}) if phrase is not None else name


def _change(entity: str, name: str, old: Any, new: Any, names: _Names) -> Change | None:
    if name.startswith(CUSTOM_PREFIX):
        custom = custom_fields.field_by_key(_custom_entity(entity),
                                            name.removeprefix(CUSTOM_PREFIX))
        if custom is None:
            return None  # a field since deleted: its label and meaning are gone
        return Change(custom.label(current_language()),
                      custom_fields.display(custom, old) or EMPTY,
                      custom_fields.display(custom, new) or EMPTY)
    if name in HIDDEN:
        return None
    return Change(field_label(entity, name), _text(entity, name, old, names),
                  _text(entity, name, new, names))


def field_label(entity: str, name: str) -> str:
    """The label people know a column by (a relationship's, for its ``_id`` column)."""
    labels = _labels_of_entity.get(entity, {})
    for key in (name, name.removesuffix("_id")):
        for source in (labels, _common_labels, OWN_LABELS):
            if key in source:
                return str(source[key])
    return name  # tests/test_history_text.py sees that no audited column gets here


def _custom_entity(entity: str) -> str:
    model = _model(entity)
    return getattr(model, "__custom_entity__", entity) if model is not None else entity


# --- values --------------------------------------------------------------------------

def _text(entity: str, name: str, value: Any, names: _Names) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):  # labels in several languages
        return localised(value, current_language()) or EMPTY
    target = _target(entity, name)
    if target is not None:
        return names.name(target, value)
    coded = _choices.get((entity, name)) or names.built_in_choices(entity, name)
    if coded is not None:
        return str(coded.get(value, value))
    return _typed(entity, name, value)


def _built_in_choices(entity: str, name: str) -> Mapping[str, Any] | None:
    if entity == "activity":
        if name in ("kind", "kind_key"):  # the behaviour, and the tenant's own kind
            return kind_labels()
        return {"direction": DIRECTION_LABELS, "mail_status": MAIL_STATUS_LABELS}.get(name)
    if (entity, name) == ("dictionary_entry", "behaviour"):
        return kind_labels()
    return {("crm_case", "status"): CASE_STATUS_LABELS,
            ("opportunity", "stage"): STAGE_LABELS}.get((entity, name))


def _typed(entity: str, name: str, value: Any) -> str:
    kind = _column_type(entity, name)
    try:
        if name == "photo":
            return gettext("Yes")
        if isinstance(kind, Boolean) or isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        if isinstance(kind, DateTime):
            return format_datetime(to_utc(datetime.fromisoformat(str(value))), "short")
        if isinstance(kind, Date):
            return format_date(date.fromisoformat(str(value)[:10]), "short")
        if isinstance(kind, Numeric):
            return format_decimal(Decimal(str(value)))
    except (ValueError, InvalidOperation):
        pass  # a value stored before its column changed type: shown as stored
    if name in ("preferred_language", "country", "registration_country",
                "national_id_country"):
        return _locale_name(name, str(value))
    return str(value)


def _locale_name(name: str, code: str) -> str:
    locale = Locale.parse(current_language())
    if name == "preferred_language":
        return locale.languages.get(code, code)
    return locale.territories.get(code.upper(), code)


# --- the records entries name --------------------------------------------------------

def _model(table: str) -> type[Model] | None:
    return _models().get(table)


@cache
def _models() -> dict[str, type[Model]]:
    return {mapper.class_.__tablename__: mapper.class_ for mapper in Model.registry.mappers
            if hasattr(mapper.class_, "__tablename__")}


def _mapper(entity: str) -> Mapper | None:
    model = _model(entity)
    return model.__mapper__ if model is not None and issubclass(model, Audited) else None


def _column(entity: str, name: str):
    mapper = _mapper(entity)
    if mapper is None or name not in mapper.columns:
        return None
    return mapper.columns[name]


def _column_type(entity: str, name: str):
    column = _column(entity, name)
    return column.type if column is not None else None


def _target(entity: str, name: str) -> str | None:
    """The table a foreign-key column points to (None for any other column)."""
    column = _column(entity, name)
    keys = list(column.foreign_keys) if column is not None else []
    return keys[0].column.table.name if keys else None


# What a record is named by, per table: up to two columns (labels: JSON per language).
NAME_PARTS = {"user_account": ("full_name", "email"), "organisation": ("name", None),
              "contact": ("first_name", "last_name"), "crm_case": ("reference", "title"),
              "dictionary_entry": ("labels", "key"), "activity": ("subject", "kind"),
              "project": ("name", None), "field_definition": ("labels", "key"),
              "field_section": ("labels", None), "task": ("title", None)}


def _name_of(table: str, first: str | None, second: str | None) -> str:
    if NAME_PARTS[table][0] == "labels":
        return localised(json.loads(first or "{}"), current_language()) or second or ""
    if table == "contact":
        return " ".join(part for part in (first, second) if part)
    if table == "crm_case":
        return f"#{first} {second}"
    return first or second or ""


class _Names:
    """The names of the records a page of entries points to, loaded in one query."""

    def __init__(self, found: dict[str, dict[int, str]]) -> None:
        self.found = found
        self.choices: dict[tuple[str, str], Mapping[str, Any] | None] = {}

    def built_in_choices(self, entity: str, name: str) -> Mapping[str, Any] | None:
        """Read once per page: the activity kinds' names are the tenant's dictionary."""
        if (entity, name) not in self.choices:
            self.choices[entity, name] = _built_in_choices(entity, name)
        return self.choices[entity, name]

    @classmethod
    def for_entries(cls, entries: Iterable[tuple[str, dict]]) -> _Names:
        wanted: dict[str, set[int]] = defaultdict(set)
        for entity, changes in entries:
            for name, pair in changes.items():
                target = None if name.startswith(CUSTOM_PREFIX) else _target(entity, name)
                if target is not None:
                    wanted[target].update(v for v in pair if _is_id(v))
        return cls(_load_names({table: ids for table, ids in wanted.items()
                                if table in NAME_PARTS and ids}))

    def name(self, table: str, record_id: Any) -> str:
        # a record since deleted keeps its number
        return self.found.get(table, {}).get(record_id) or f"#{record_id}"


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _load_names(wanted: dict[str, set[int]]) -> dict[str, dict[int, str]]:
    """Every name at once: one query for the page, whatever it names."""
    found: dict[str, dict[int, str]] = defaultdict(dict)
    if not wanted:
        return found
    models = _models()

    def part(model: type[Model], column: str | None):
        return cast(getattr(model, column), String) if column else null()

    def names_of(table: str, ids: set[int]):
        model, (first, second) = models[table], NAME_PARTS[table]
        key = model.__mapper__.primary_key[0]
        return (select(literal(table).label("source"), key.label("id"),
                       part(model, first).label("first"), part(model, second).label("second"))
                .where(key.in_(sorted(ids))))

    rows = db.session.execute(union_all(*(names_of(table, ids)
                                          for table, ids in sorted(wanted.items()))))
    for row in rows:
        found[row.source][row.id] = _name_of(row.source, row.first, row.second)
    return found
