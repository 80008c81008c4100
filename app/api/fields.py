"""``GET /api/v1/fields``: the tenant's configurable fields, whose values records carry
under ``custom`` by key."""

from __future__ import annotations

from functools import cache
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields

from app.api import Blueprint, blueprint
from app.api.resources import json_response
from app.i18n import current_language
from app.models.custom_field import FIELD_TYPES
from app.services.fields import values as custom_fields


class ChoiceSchema(ma.Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    labels = fields.Dict(keys=fields.String(), values=fields.String())
    active = fields.Boolean(required=True)


class FieldSchema(ma.Schema):
    entity = fields.String(required=True)
    key = fields.String(required=True)
    type = fields.String(required=True, validate=ma.validate.OneOf(FIELD_TYPES))
    label = fields.String(required=True)
    labels = fields.Dict(keys=fields.String(), values=fields.String())
    section = fields.String(required=True)
    required = fields.Boolean(required=True)
    active = fields.Boolean(required=True, metadata={
        "description": "Inactive fields keep their values but take no new ones"})
    min_value = fields.Float(allow_none=True)
    max_value = fields.Float(allow_none=True)
    choices = fields.List(fields.Nested(ChoiceSchema))


class FieldListSchema(ma.Schema):
    items = fields.List(fields.Nested(FieldSchema), required=True)


class FieldArgs(ma.Schema):
    entity = fields.String(validate=ma.validate.OneOf(sorted(custom_fields.ENTITIES)))


def described(entity: str) -> list[dict[str, Any]]:
    language = current_language()
    return [{
        "entity": entity, "key": field.key, "type": field.field_type,
        "label": field.label(language), "labels": field.labels or {},
        "section": section.label(language), "required": field.required,
        "active": field.active,
        "min_value": float(field.min_value) if field.min_value is not None else None,
        "max_value": float(field.max_value) if field.max_value is not None else None,
        "choices": [{"key": c.key, "label": c.label(language), "labels": c.labels or {},
                     "active": c.active} for c in field.choices],
    } for section in custom_fields.sections(entity) for field in section.fields]


@cache
def blueprints() -> list[Blueprint]:
    bp = blueprint("fields", "The tenant's configurable fields")

    @bp.route("/fields", endpoint="fields_list")
    class Fields(MethodView):
        @bp.arguments(FieldArgs, location="query")
        @bp.response(200, FieldListSchema)
        @bp.doc(summary="The tenant's configurable fields, of one entity or all")
        def get(self, args: dict[str, Any]):
            entities = [args["entity"]] if args.get("entity") else sorted(
                custom_fields.ENTITIES)
            return json_response(200, {"items": [item for entity in entities
                                                 for item in described(entity)]})

    return [bp]
