"""SQL over configurable-field values: typed expressions for sorting, and conditions
for filters and search, evaluated by the database (no row is read into Python).

PostgreSQL stores values as JSONB; equality and containment are written as ``@>`` so
the GIN index answers them. A number is read only where the JSON value is a number,
because another tenant may use the same key for text and PostgreSQL does not promise
to test the tenant before the cast."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    Float,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

from app.extensions import db
from app.models.custom_field import (
    BOOLEAN,
    CHOICE,
    DATE,
    MULTI_CHOICE,
    NUMBER_TYPES,
    TEXT_TYPES,
    FieldDefinition,
    HasCustomFields,
)
from app.services.text import escape_like, lowered

# Characters JSON writes escaped: text holding them is not found as typed in the value
# text, so the trigram pre-test is skipped for it.
JSON_ESCAPED = {'"', "\\"}
EQUALS = "equals"
CONTAINS = "contains"
AT_LEAST = "at_least"
AT_MOST = "at_most"


def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


# Keys written into the SQL as they are (not as parameters), so that the statement is
# the one an index on the expression was made for (services.fields.indexes): SQLite
# uses such an index only for the very same expression, literals included.
PLAIN_KEY = re.compile(r"^[a-z0-9_]{1,60}$")
# Where a number sorts that a record lacks: after every number, in either direction.
NO_NUMBER = {False: "1e308", True: "-1e308"}


def _key(key: str) -> ColumnElement:
    """The key as it goes into the SQL: written out when plain, else a parameter."""
    if PLAIN_KEY.match(key):
        return literal_column(f"'{key}'")
    return bindparam(None, key, type_=String)


def _path(key: str) -> Any:
    if PLAIN_KEY.match(key):
        return literal_column(f"'$.\"{key}\"'")
    return f'$."{key}"'


def text_value(model: type[HasCustomFields], key: str) -> ColumnElement:
    if _postgres():
        return model.custom.op("->>")(_key(key))
    return func.json_extract(model.custom, _path(key), type_=String)


def number_value(model: type[HasCustomFields], key: str) -> ColumnElement:
    if _postgres():
        is_number = func.jsonb_typeof(model.custom.op("->")(_key(key))) == literal_column(
            "'number'")
        return case((is_number, cast(model.custom.op("->>")(_key(key)), Float)))
    is_number = func.json_type(model.custom, _path(key)).in_(
        (literal_column("'integer'"), literal_column("'real'")))
    return case((is_number, func.json_extract(model.custom, _path(key), type_=Float)))


def number_sort_key(model: type[HasCustomFields], key: str, descending: bool
                    ) -> ColumnElement:
    """A number field's value to sort by, a record without one sorting last either way
    (an index per direction serves it: services.fields.indexes)."""
    return func.coalesce(number_value(model, key), literal_column(NO_NUMBER[descending]),
                         type_=Float)


def sort_expression(model: type[HasCustomFields], field: FieldDefinition) -> ColumnElement:
    if field.field_type in NUMBER_TYPES:
        return number_value(model, field.key)
    # ISO dates sort as text; yes/no as "false" < "true" (PostgreSQL) or 0 < 1 (SQLite)
    return text_value(model, field.key)


def has_value(model: type[HasCustomFields], key: str) -> ColumnElement:
    if _postgres():
        return model.custom.op("?")(key)
    return func.json_type(model.custom, _path(key)).is_not(None)


def _contains(model, key: str, value: Any) -> ColumnElement:
    """The record's value is (or, for a list, includes) ``value``."""
    if _postgres():
        return model.custom.op("@>")(_jsonb({key: value}))
    if isinstance(value, list):
        [item] = value
        each = func.json_each(model.custom, _path(key)).table_valued("value")
        return exists(select(literal_column("1")).select_from(each).where(each.c.value == item))
    if isinstance(value, bool):
        return func.json_extract(model.custom, _path(key)) == (1 if value else 0)
    return func.json_extract(model.custom, _path(key)) == value


def _jsonb(value: Any) -> ColumnElement:
    return bindparam(None, value, type_=JSONB)


def condition(model: type[HasCustomFields], field: FieldDefinition, operation: str,
              value: Any) -> ColumnElement:
    """Records whose value of the field matches: text ``contains``; choice and yes/no
    ``equals``; number and date ``at_least`` / ``at_most``."""
    key, kind = field.key, field.field_type
    if operation == CONTAINS and kind in TEXT_TYPES:
        pattern = "%" + escape_like(str(value).lower()) + "%"
        return lowered(text_value(model, key)).like(pattern, escape="\\")
    if operation == EQUALS and kind == MULTI_CHOICE:
        return _contains(model, key, [value])
    if operation == EQUALS and kind in (CHOICE, BOOLEAN):
        return _contains(model, key, value)
    if operation == EQUALS and kind in TEXT_TYPES:
        return lowered(text_value(model, key)) == str(value).lower()
    if operation in (AT_LEAST, AT_MOST) and kind in NUMBER_TYPES:
        number = number_value(model, key)
        return number >= value if operation == AT_LEAST else number <= value
    if operation in (AT_LEAST, AT_MOST) and kind == DATE:
        text = text_value(model, key)
        return text >= value.isoformat() if operation == AT_LEAST else text <= value.isoformat()
    return false()


def search_condition(model: type[HasCustomFields], fields: list[FieldDefinition],
                     search: str) -> ColumnElement | None:
    """Any searchable text field containing the whole search text."""
    searchable = [f for f in fields if f.searchable and f.field_type in TEXT_TYPES]
    search = (search or "").strip()
    if not searchable or not search:
        return None
    matches = or_(*(condition(model, f, CONTAINS, search) for f in searchable))
    if not _postgres() or set(search) & JSON_ESCAPED:
        return matches
    # Text found in a field is found in the record's whole value text too: that test
    # is answered by a trigram index and leaves few rows for the exact one.
    whole_text = lowered(cast(model.custom, Text))
    return and_(whole_text.like("%" + escape_like(search.lower()) + "%", escape="\\"),
                matches)


