"""Indexes on configurable fields' values, so that a list sorted by a number field, or
filtered by a choice (on SQLite), reads its page from an index instead of every record
of the tenant.

A field's values live in the record's JSON (``custom``), so each index is on an
expression of one key: for a number field, (tenant, the number to sort by, id) in each
direction; for a choice field on SQLite, (tenant, the value, the list's default order)
(PostgreSQL's GIN index on the whole JSON answers ``@>`` already). The expressions are
those services.fields.queries writes, literals included, so the database recognises
them. The index is made when the field is (migration 0024 made them for the fields
that existed); one index serves every tenant's field of that key, the tenant being its
first column. Their names start with ``ixcf_``; no model describes them."""

from __future__ import annotations

import hashlib
from typing import cast

from sqlalchemy import Index, Table
from sqlalchemy.schema import CreateIndex

from app.extensions import db
from app.models.base import UNMODELLED_INDEXES
from app.models.custom_field import CHOICE, NUMBER_TYPES, FieldDefinition
from app.services.fields import queries
from app.services.fields.values import ENTITIES

PREFIX = UNMODELLED_INDEXES[0]
# The columns a list of the entity is ordered by unless the reader sorts it otherwise.
LIST_ORDER = {"contact": ("last_name", "first_name")}


def index_name(table: str, key: str, purpose: str) -> str:
    """At most 63 characters (PostgreSQL's limit) whatever the key's length."""
    digest = hashlib.sha1(key.encode()).hexdigest()[:8]
    return f"{PREFIX}{table[:12]}_{key[:24]}_{digest}_{purpose}"


def field_indexes(field: FieldDefinition) -> list[Index]:
    """The indexes that serve the field's sorts and filters (none for a key that the
    SQL cannot carry as written, or a type no index helps)."""
    model = ENTITIES.get(field.entity)
    if model is None or not queries.PLAIN_KEY.match(field.key):
        return []
    table = model.__tablename__
    if field.field_type in NUMBER_TYPES:
        indexes = [Index(index_name(table, field.key, purpose), model.tenant_id,
                         queries.number_sort_key(model, field.key, descending), model.id)
                   for purpose, descending in (("asc", False), ("desc", True))]
    elif field.field_type == CHOICE and db.engine.dialect.name == "sqlite":
        # the list's default order after the value: a filtered page is read in order
        order = [getattr(model, name) for name in LIST_ORDER.get(field.entity, ())]
        indexes = [Index(index_name(table, field.key, "eq"), model.tenant_id,
                         queries.text_value(model, field.key), *order)]
    else:
        indexes = []
    table_of_model = cast(Table, model.__table__)
    for index in indexes:  # an Index joins its table's: these are no model's
        table_of_model.indexes.discard(index)
    return indexes


def make_field_indexes(field: FieldDefinition) -> None:
    """Create the field's indexes where they are missing (in the session's transaction)."""
    connection = db.session.connection()
    for index in field_indexes(field):
        connection.execute(CreateIndex(index, if_not_exists=True))
