"""The tenant's dictionaries (A6): activity kinds, priorities, categories, task
statuses, whose ids tasks, cases and activities name. Read only: administrators keep
them on their screen."""

from __future__ import annotations

from functools import cache
from typing import Any

import marshmallow as ma
from marshmallow import fields

from app.api import Blueprint, blueprint, resources
from app.api.resources import Filter, Resource
from app.api.schemas import RecordSchema
from app.i18n import current_language
from app.models import DictionaryEntry
from app.models.dictionary import DICTIONARIES
from app.services.dictionaries import DICTIONARY_ENTRY


class DictionaryEntrySchema(RecordSchema):
    dictionary = fields.String(dump_only=True, validate=ma.validate.OneOf(DICTIONARIES))
    key = fields.String(dump_only=True)
    label = fields.Method("_label", dump_only=True, metadata={
        "description": "In the caller's language"})
    labels = fields.Dict(keys=fields.String(), values=fields.String(), dump_only=True)
    position = fields.Integer(dump_only=True)
    active = fields.Boolean(dump_only=True, metadata={
        "description": "Inactive entries are kept by the records that have them"})
    is_done = fields.Boolean(dump_only=True, metadata={
        "description": "Task statuses: a task in it is completed"})
    behaviour = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "Activity kinds of the tenant's own: the kind they behave as"})

    def _label(self, entry: DictionaryEntry) -> Any:
        return entry.label(current_language()) or entry.key


DICTIONARY_ENTRIES = Resource(
    name="dictionaries", title="DictionaryEntry", kind=DICTIONARY_ENTRY,
    schema=DictionaryEntrySchema, writable=False,
    filters={"dictionary": Filter(fields.String(validate=ma.validate.OneOf(DICTIONARIES)),
                                  lambda name: DictionaryEntry.dictionary == name),
             "active": Filter(fields.Boolean(), lambda yes: DictionaryEntry.active.is_(yes))},
    sorts={"position": DictionaryEntry.position}, default_sort="position")


@cache  # one blueprint, registered with every app made
def blueprints() -> list[Blueprint]:
    bp = blueprint("dictionaries", "The tenant's dictionaries (read only)")
    resources.register(bp, DICTIONARY_ENTRIES)
    return [bp]
