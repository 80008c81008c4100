"""The API's errors: always JSON, one shape, a stable ``code`` a program can test and a
``message`` in the caller's language; refused values under ``fields`` (name → messages,
nested names joined with dots: ``custom.budget``, ``items.3.email``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask import Response, jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from app.services.errors import FieldErrors, NotPermitted, ServiceError

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 412: "precondition_failed",
    413: "too_large", 415: "unsupported_media_type", 422: "invalid",
    428: "precondition_required", 429: "rate_limited", 500: "server_error",
    503: "unavailable",
}
MESSAGES = {
    400: _l("The request could not be understood. Please try again."),
    401: _l("Send a valid API token: Authorization: Bearer <token>."),
    403: _l("You do not have access to this page."),
    404: _l("The record was not found."),
    405: _l("This method is not allowed here."),
    409: _l("This record conflicts with an existing one."),
    412: _l("The record has changed since you read it (If-Match)."),
    413: _l("The upload is too large."),
    415: _l("Send the body as JSON."),
    422: _l("Some values were refused."),
    428: _l("Send If-Match with the record's ETag."),
    429: _l("Too many attempts. Please wait a minute and try again."),
    500: _l("Something went wrong. Please try again."),
    503: _l("The database cannot be reached at the moment. Please try again in a few "
            "minutes."),
}
# marshmallow's own messages (English only) as our catalogs say them
SCHEMA_MESSAGES = {
    "Missing data for required field.": _l("This field is required."),
    "Field may not be null.": _l("This field is required."),
    "Unknown field.": _l("No such field."),
    "Not a valid string.": _l("Enter text."),
    "Not a valid integer.": _l("Enter a whole number."),
    "Not a valid number.": _l("Enter a number."),
    "Not a valid boolean.": _l("Answer yes or no."),
    "Not a valid date.": _l("Enter a date as YYYY-MM-DD."),
    "Not a valid datetime.": _l("Enter a date and time as YYYY-MM-DDTHH:MM:SS."),
    "Not a valid email address.": _l("This is not a valid e-mail address."),
    "Not a valid list.": _l("Enter a list."),
    "Not a valid mapping type.": _l("Enter an object."),
    "Invalid input type.": _l("Enter an object."),
    "Must be one of: {choices}.": _l("Not a valid choice."),
}


class ErrorSchema(ma.Schema):
    """An error answer (for the OpenAPI document)."""

    code = ma.fields.String(required=True, metadata={
        "description": "Stable error code: " + ", ".join(sorted(set(CODES.values())))})
    message = ma.fields.String(required=True)
    fields_ = ma.fields.Dict(data_key="fields", keys=ma.fields.String(),
                             values=ma.fields.List(ma.fields.String()), metadata={
        "description": "Refused values: field name → messages"})


def payload(status: int, code: str | None = None, message: Any = None,
            fields: Mapping[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code or CODES.get(status, "error"),
                            "message": str(message or MESSAGES.get(status, MESSAGES[500]))}
    if fields:
        body["fields"] = {name: [str(m) for m in messages] for name, messages in fields.items()}
    return body


def response_for(error: HTTPException | Exception) -> Response:
    """The JSON answer to an HTTP error raised in an API request (``abort`` with
    ``code``, ``message`` and ``fields``; webargs' refused arguments as ``messages``)."""
    status = getattr(error, "code", None) or 500
    data = getattr(error, "data", None) or {}
    fields = data.get("fields")
    code = data.get("code")
    if "messages" in data:
        fields, code = flat_messages(data["messages"]), code or "invalid"
    response = jsonify(payload(status, code, data.get("message"), fields))
    response.status_code = status
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="Kontakt CRM API"'
    if status == 429 and isinstance(error, HTTPException):
        response.headers.update(error.get_headers())  # Retry-After and the limit's state
        response.headers["Content-Type"] = "application/json"
    return response


def flat_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs' {location: {field: [messages] | {nested …}}} as {"a.b": [messages]}."""
    if isinstance(messages, Mapping) and not prefix and set(messages) <= {
            "json", "query", "headers", "view_args", "form"}:
        flat: dict[str, list[str]] = {}
        for inner in messages.values():
            flat |= flat_messages(inner)
        return flat
    if isinstance(messages, Mapping):
        flat = {}
        for key, inner in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat |= flat_messages(inner, name)
        return flat
    items = messages if isinstance(messages, list) else [messages]
    if any(isinstance(item, Mapping) for item in items):
        flat = {}
        for item in items:
            flat |= flat_messages(item, prefix)
        return flat
    return {prefix or "_schema": [translated(str(m)) for m in items]}


def translated(message: str) -> str:
    own = SCHEMA_MESSAGES.get(message)
    if own is None and message.startswith("Must be one of:"):
        own = SCHEMA_MESSAGES["Must be one of: {choices}."]
    if own is None and message.startswith(("Longer than maximum length",
                                           "Length must be")):
        own = _l("The text is too long.")
    if own is None and message.startswith("Must be greater than or equal"):
        own = _l("The number is out of range.")
    return str(own) if own is not None else message


def refusal(exc: ServiceError) -> tuple[int, dict[str, Any]]:
    """A service's refusal: 403 when the user may not do it at all, else 422 with the
    refused fields."""
    if isinstance(exc, NotPermitted):
        return 403, payload(403, "forbidden", exc.message)
    errors = exc.errors if isinstance(exc, FieldErrors) else (
        {exc.field: exc.message} if exc.field else {})
    fields = {name: [message] for name, message in errors.items()}
    return 422, payload(422, "refused", exc.message if not fields else _(
        "Some values were refused."), fields)
