"""Schema pieces the resources share: texts as long as their columns, ids of the
tenant's records, times in UTC, masked personal ids, configurable-field values and
ids in other systems."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from marshmallow import fields

from app.masking import mask_national_id
from app.services.fields import values as custom_fields
from app.services.text import LARGEST_ID

ID_RANGE = ma.validate.Range(min=1, max=LARGEST_ID)


def text(length: int, **kwargs: Any) -> fields.String:
    return fields.String(allow_none=True, validate=ma.validate.Length(max=length), **kwargs)


def required_text(length: int) -> fields.String:
    return fields.String(required=True, validate=ma.validate.Length(min=1, max=length))


def reference(description: str, **kwargs: Any) -> fields.Integer:
    return fields.Integer(allow_none=True, validate=ID_RANGE, strict=True,
                          metadata={"description": description}, **kwargs)


def read_only_id() -> fields.Integer:
    return fields.Integer(dump_only=True)


class Moment(fields.DateTime):
    """A time answered in UTC with its offset, whatever the database gave back."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class Masked(fields.String):
    """Written as given, answered masked (as the screens and the history show it)."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return mask_national_id(value) if value else None


def custom_values() -> fields.Dict:
    return fields.Dict(keys=fields.String(validate=ma.validate.Length(max=60)),
                       values=fields.Raw(allow_none=True), metadata={
        "description": "Configurable-field values by the field's key (GET /api/v1/fields)"})


def external_ids() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=ma.validate.Length(min=1, max=50)),
        values=fields.String(allow_none=True, validate=ma.validate.Length(max=200)),
        metadata={"description": "The record's ids in other systems, by system name; "
                                 "null forgets one"})


class RecordSchema(ma.Schema):
    """id and times; ``custom`` answered with the tenant's active fields only."""

    id = read_only_id()
    created_at = Moment(dump_only=True)
    updated_at = Moment(dump_only=True)

    @ma.post_dump(pass_original=True)
    def _own_values(self, data: dict[str, Any], original: Any, **_kwargs: Any
                    ) -> dict[str, Any]:
        if "custom" in data:
            active = {f.key for f in custom_fields.active_fields(original.__custom_entity__)}
            data["custom"] = {key: value for key, value in (original.custom or {}).items()
                              if key in active}
        if "external_ids" in self.fields:
            data["external_ids"] = getattr(original, "api_external_ids", {})
        return data


class TagNames(fields.List):
    """Tags by name: given names are the record's tags (missing ones are made)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fields.String(validate=ma.validate.Length(min=1, max=60)),
                         validate=ma.validate.Length(max=100), **kwargs)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return sorted((tag.name for tag in value or []), key=lambda name: (name.lower(), name))


class RecordIds(fields.List):
    """Ids of linked records (``source``: the relationship), written as a list of ids."""

    def __init__(self, source: str, description: str, **kwargs: Any) -> None:
        super().__init__(fields.Integer(validate=ID_RANGE, strict=True),
                         validate=ma.validate.Length(max=1000),
                         metadata={"description": description}, **kwargs)
        self.source = source

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = ma.missing
                  ) -> Any:
        return [record.id for record in getattr(obj, self.source)]


class Amount(fields.Decimal):
    """An amount with two decimals, answered as a JSON number."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(places=2, allow_none=True, **kwargs)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return float(value) if value is not None else None

