"""One generic resource: list (filters, ``search`` as the screens search, sort, cursor
pages), get, create, PATCH and delete of one kind of record, through services.records.
Each resource module describes its records with a :class:`Resource` and calls
:func:`register`.

- Lists are keyset-paginated: ``next_cursor`` (opaque) gives the next page at the same
  cost at any depth; sorts are on NOT NULL columns with the id breaking ties.
- Answers carry an ``ETag`` (a hash of the record as answered); ``If-Match`` on PATCH and
  DELETE refuses a change to a record changed since (412). It is optional: a caller that
  sends none overwrites (documented in the README).
- POST takes an ``Idempotency-Key``: the first answer is kept per token for a day and
  a retry gets it again (services.idempotency)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import marshmallow as ma
from flask import Response, g, jsonify, request, url_for
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import abort
from sqlalchemy import DateTime, Integer, and_, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from app.api import Blueprint, errors
from app.extensions import db
from app.models import User
from app.services import idempotency, records
from app.services.errors import ServiceError
from app.services.text import LARGEST_ID, record_id
from app.transactions import commit_or_refuse

DEFAULT_LIMIT, LARGEST_LIMIT = 50, 200
ID_RANGE = ma.validate.Range(min=1, max=LARGEST_ID)


@dataclass(frozen=True)
class Filter:
    """A query parameter of a list: its schema field and the condition it makes."""

    field: ma.fields.Field
    condition: Callable[[Any], ColumnElement]


@dataclass(frozen=True)
class Resource:
    """``name``: the URL's plural (``contacts``); ``title``: the docs' singular;
    ``sorts``: NOT NULL columns by name; ``search``: the screens' search condition;
    ``readable``: what the user may read (privacy rules), as SQL; ``decorate``: loads
    what a page of records answers with, in one query for the page; ``writable``:
    whether the API creates, changes and deletes them."""

    name: str
    title: str
    kind: records.Kind
    schema: type[ma.Schema]
    filters: Mapping[str, Filter] = field(default_factory=dict)
    sorts: Mapping[str, Any] = field(default_factory=dict)
    default_sort: str = "id"
    search: Callable[[str], Any] | None = None
    options: tuple = ()
    readable: Callable[[User], ColumnElement] | None = None
    decorate: Callable[[list], None] | None = None
    writable: bool = True  # False: list and get only (written on the screens)

    @property
    def model(self) -> Any:
        return self.kind.model

    def sort_columns(self) -> dict[str, Any]:
        return {"id": self.model.id, **self.sorts}


def id_filter(column: Any) -> Filter:
    """The records whose ``column`` names this id."""
    return Filter(ma.fields.Integer(validate=ID_RANGE), lambda number: column == number)


def yes_no_filter(condition: Callable[[], ColumnElement]) -> Filter:
    """true: the records of the condition; false: the others."""
    return Filter(ma.fields.Boolean(), lambda yes: condition() if yes else not_(condition()))


def updated_since_filter(model: Any) -> Filter:
    """The records changed at or after a time."""
    return Filter(ma.fields.AwareDateTime(default_timezone=None, metadata={
        "description": "Changed at or after this time (ISO 8601; UTC without an offset)"}),
        lambda value: model.updated_at >= moment(value))


def acting_user() -> User:
    return current_user._get_current_object()


# --- answers --------------------------------------------------------------------------

def etag_of(body: Any) -> str:
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode())
    return f'"{digest.hexdigest()[:32]}"'


def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None
                  ) -> Response:
    response = jsonify(body) if body is not None else Response(status=status)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def refused(exc: ServiceError) -> Response:
    status, body = errors.refusal(exc)
    return json_response(status, body)


def _check_if_match(body: Any) -> None:
    wanted = request.headers.get("If-Match")
    if wanted is None:
        return
    tags = {tag.strip().removeprefix("W/") for tag in wanted.split(",")}
    if "*" not in tags and etag_of(body) not in tags:
        abort(412)


# --- reading --------------------------------------------------------------------------

def one(resource: Resource, number: Any) -> Any:
    """The record of the tenant the user may read, or 404 (another tenant's too)."""
    number = record_id(number)
    query = select(resource.model).where(resource.model.id == number).options(
        *resource.options)
    if resource.readable is not None:
        query = query.where(resource.readable(acting_user()))
    record = db.session.scalar(query) if number is not None else None
    if record is None:
        abort(404)
    return record


def dumped(resource: Resource, record: Any) -> Any:
    if resource.decorate is not None:
        resource.decorate([record])
    return resource.schema().dump(record)


def _sort(resource: Resource, text: str) -> tuple[str, Any, bool]:
    name = text.removeprefix("-")
    return name, resource.sort_columns()[name], text.startswith("-")


def encode_cursor(sort: str, value: Any, last_id: int) -> str:
    if isinstance(value, datetime | date):
        value = value.isoformat()
    raw = json.dumps([sort, value, last_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str, column: Any) -> tuple[Any, int]:
    """The sort value and id the cursor continues after; 400 for a cursor not made by
    this list with this sort."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, value, last_id = json.loads(raw)
        if made_for != sort or record_id(last_id) is None:
            raise ValueError(cursor)
        if isinstance(column.type, DateTime):
            value = datetime.fromisoformat(value)
        elif isinstance(column.type, Integer):
            value = int(value)
        elif not isinstance(value, str):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        abort(400, code="invalid_cursor", message=errors.MESSAGES[400])
    return value, last_id


def _after(column: Any, id_column: Any, value: Any, last_id: int, descending: bool
           ) -> ColumnElement:
    if descending:
        return or_(column < value, and_(column == value, id_column < last_id))
    return or_(column > value, and_(column == value, id_column > last_id))


def page(resource: Resource, args: Mapping[str, Any]) -> Response:
    model = resource.model
    query = select(model).options(*resource.options)
    for name, item in resource.filters.items():
        if args.get(name) is not None:
            query = query.where(item.condition(args[name]))
    if args.get("search") and resource.search is not None:
        condition = resource.search(args["search"])
        if condition is not None:
            query = query.where(condition)
    if resource.readable is not None:
        query = query.where(resource.readable(acting_user()))
    sort_text = args.get("sort") or resource.default_sort
    sort, column, descending = _sort(resource, sort_text)
    if args.get("cursor"):
        value, last_id = decode_cursor(args["cursor"], sort_text, column)
        query = query.where(_after(column, model.id, value, last_id, descending))
    order = (column.desc(), model.id.desc()) if descending else (column, model.id)
    limit = args.get("limit") or DEFAULT_LIMIT
    found = list(db.session.scalars(query.order_by(*order).limit(limit + 1)))
    items, more = found[:limit], len(found) > limit
    if resource.decorate is not None:
        resource.decorate(items)
    next_cursor = (encode_cursor(sort_text, getattr(items[-1], column.key), items[-1].id)
                   if more else None)
    return json_response(200, {"items": resource.schema(many=True).dump(items),
                               "next_cursor": next_cursor})


# --- writing --------------------------------------------------------------------------

def _location(resource: Resource, record: Any) -> str:
    return url_for(f"{request.blueprint}.{resource.name}_item", number=record.id)


def _replay(stored: Any) -> Response:
    response = Response(stored.body, status=stored.status, mimetype="application/json")
    response.headers.update(stored.headers or {})
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 0 < len(key.strip()) <= idempotency.LONGEST_KEY:
        abort(400, code="invalid_idempotency_key", message=errors.MESSAGES[400])
    return key.strip() if key else None


def idempotent(status: int, work: Callable[[], tuple[Any, dict[str, str]]],
               finished: Callable[[], None] | None = None) -> Response:
    """Run a POST's work (returning its answer's body and headers) as one transaction,
    keeping the answer for the Idempotency-Key if one was sent; a retry is answered
    with the kept answer, the same key for another request is refused (422)."""
    key, token_id = _idempotency_key(), g.api_token_id
    asked = idempotency.request_hash(request.method, request.path, request.get_data())
    if key is not None:
        stored = idempotency.recall(token_id, key)
        if stored is not None:
            if stored.request_hash != asked:
                abort(422, code="idempotency_key_reused", message=errors.MESSAGES[409])
            return _replay(stored)

    def action() -> tuple[Any, dict[str, str]]:
        body, headers = work()
        if key is not None:
            idempotency.remember(token_id, key, asked, status, body, headers)
        return body, headers

    outcome = commit_or_refuse(action)
    if not outcome:
        # the same key sent twice at once: the other request's answer was kept
        stored = idempotency.recall(token_id, key) if key is not None else None
        if stored is not None and stored.request_hash == asked:
            return _replay(stored)
        return refused(outcome.refusal)  # type: ignore[arg-type]
    body, headers = outcome.value
    return json_response(status, body, headers)


def create_one(resource: Resource, values: dict[str, Any]) -> Response:
    user = acting_user()

    def work() -> tuple[Any, dict[str, str]]:
        record = records.create(resource.kind, values, user)
        db.session.flush()
        body = dumped(resource, record)
        return body, {"ETag": etag_of(body), "Location": _location(resource, record)}

    return idempotent(201, work)


def update_one(resource: Resource, number: int, values: dict[str, Any]) -> Response:
    record = one(resource, number)
    _check_if_match(dumped(resource, record))
    outcome = commit_or_refuse(lambda: records.update(resource.kind, record, values,
                                                      acting_user()))
    if not outcome:
        return refused(outcome.refusal)  # type: ignore[arg-type]
    body = dumped(resource, one(resource, number))
    return json_response(200, body, {"ETag": etag_of(body)})


def delete_one(resource: Resource, number: int) -> Response:
    record = one(resource, number)
    _check_if_match(dumped(resource, record))
    outcome = commit_or_refuse(lambda: records.delete(resource.kind, record, acting_user()))
    if not outcome:
        return refused(outcome.refusal)  # type: ignore[arg-type]
    if resource.kind.removed is not None:
        resource.kind.removed(record)
    return Response(status=204)


def read_one(resource: Resource, number: int) -> Response:
    body = dumped(resource, one(resource, number))
    return json_response(200, body, {"ETag": etag_of(body)})


# --- the routes and their documentation --------------------------------------------------

def query_schema(resource: Resource) -> type[ma.Schema]:
    sorts = sorted(resource.sort_columns())
    return ma.Schema.from_dict({
        "search": ma.fields.String(validate=ma.validate.Length(max=200), metadata={
            "description": "Search as the list screen searches"}),
        "sort": ma.fields.String(validate=ma.validate.OneOf(
            [*sorts, *(f"-{name}" for name in sorts)]), metadata={
            "description": "A column, descending with a leading '-'; "
                           f"by default {resource.default_sort}"}),
        "cursor": ma.fields.String(validate=ma.validate.Length(max=1000), metadata={
            "description": "next_cursor of the page before"}),
        "limit": ma.fields.Integer(validate=ma.validate.Range(1, LARGEST_LIMIT), metadata={
            "description": f"Records per page, {DEFAULT_LIMIT} by default"}),
        **{name: item.field for name, item in resource.filters.items()},
    }, name=f"{resource.title}ListArgs")


def page_schema(resource: Resource) -> type[ma.Schema]:
    return ma.Schema.from_dict({
        "items": ma.fields.List(ma.fields.Nested(resource.schema), required=True),
        "next_cursor": ma.fields.String(allow_none=True, required=True),
    }, name=f"{resource.title}Page")


ETAG_HEADER = {"ETag": {"description": "The record's version, for If-Match",
                        "schema": {"type": "string"}}}
POST_HEADERS = {"Idempotency-Key": "A retry with the same key gets the first answer"}


def register(bp: Blueprint, resource: Resource) -> None:
    """The collection (list, create) and item (get, PATCH, delete) URLs of a resource
    (list and get only when it is not ``writable``)."""
    title, plural = resource.title, resource.name
    schema, patch_schema = resource.schema, resource.schema(partial=True)

    class ReadCollection(MethodView):
        @bp.arguments(query_schema(resource), location="query")
        @bp.response(200, page_schema(resource))
        @bp.doc(summary=f"List {plural}")
        def get(self, args):
            return page(resource, args)

    class Collection(ReadCollection):
        @bp.arguments(schema)
        @bp.response(201, schema, headers=ETAG_HEADER)
        @bp.doc(summary=f"Create a {title.lower()}", parameters=[{
            "in": "header", "name": "Idempotency-Key", "schema": {"type": "string"},
            "description": POST_HEADERS["Idempotency-Key"]}])
        def post(self, values):
            return create_one(resource, values)

    class ReadItem(MethodView):
        @bp.response(200, schema, headers=ETAG_HEADER)
        @bp.doc(summary=f"Get a {title.lower()}")
        def get(self, number):
            return read_one(resource, number)

    class Item(ReadItem):
        @bp.arguments(patch_schema)
        @bp.response(200, schema, headers=ETAG_HEADER)
        @bp.doc(summary=f"Change a {title.lower()}", parameters=[IF_MATCH])
        def patch(self, values, number):
            return update_one(resource, number, values)

        @bp.response(204)
        @bp.doc(summary=f"Delete a {title.lower()}", parameters=[IF_MATCH])
        def delete(self, number):
            return delete_one(resource, number)

    collection, item = ((Collection, Item) if resource.writable
                        else (ReadCollection, ReadItem))
    bp.route(f"/{plural}", endpoint=f"{plural}_list")(
        type(f"{title}Collection", (collection,), {}))
    bp.route(f"/{plural}/<int:number>", endpoint=f"{plural}_item")(
        type(f"{title}Item", (item,), {}))


IF_MATCH = {"in": "header", "name": "If-Match", "schema": {"type": "string"},
            "description": "The ETag read: the change is refused (412) if the record "
                           "changed since"}


def moment(value: datetime) -> datetime:
    """A time given with or without an offset, in UTC (without one: already UTC)."""
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
