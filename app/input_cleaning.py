"""The one place where text from outside is cleaned before anything else reads it.

Control characters are removed from every value a request brings (query string, form
fields, JSON bodies and the parts of the URL path): nobody types them, PostgreSQL refuses
NUL in text outright, and the others break exports, address books and calendars. Tab,
line feed and carriage return stay, since multi-line fields hold them. Then, so that a NUL
from anywhere else (an imported file, a script) never reaches a statement either, the
database engine drops it from every text parameter and every JSON value it writes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from flask import Flask, Request
from flask.json.provider import DefaultJSONProvider
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

# C0 controls but tab, line feed and carriage return; DEL; the C1 controls; and lone
# surrogates (a JSON body may escape one: "\ud800"), which no UTF-8 text can hold, so
# neither database can store them (a Python string holds a real character beyond the
# BMP as one code point, never as a surrogate pair).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# What the database cannot store: NUL (PostgreSQL refuses it in text) and lone surrogates.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# How repr() shows them: "\x00", "\ud800" … "\udfff" (a backslash typed in the text
# shows as "\\", so a match may be a false alarm, never a miss).
_UNSTORABLE_REPR = re.compile(r"\\x00|\\ud[89a-f]")
_UNSTORABLE_JSON = re.compile(r"\\u0000|\\ud[89a-f]")  # json.dumps's escapes of them

# Deeper JSON is refused as invalid: no posted body needs it, and Python's parser gives
# up with a RecursionError (not a ValueError) some way past it.
MAX_JSON_DEPTH = 32


def clean_text(value: str) -> str:
    """The text without control characters (tab and line breaks kept)."""
    return CONTROL_CHARACTERS.sub("", value)


def _cleaned_pairs(mapping: Any) -> Iterable[tuple[Any, Any]]:
    pairs = MultiDict(mapping).items(multi=True)
    for key, value in pairs:
        yield clean_text(key), clean_text(value) if isinstance(value, str) else value


class CleanMultiDict(ImmutableMultiDict):
    """The query string's and the form's values (werkzeug's parameter storage), cleaned
    as they are parsed. Uploaded files pass through untouched."""

    def __init__(self, mapping: Any = None) -> None:
        super().__init__(None if mapping is None else list(_cleaned_pairs(mapping)))


def clean_json(value: Any, depth: int = 0) -> Any:
    """The parsed JSON value with control characters removed from every string (keys
    included); ValueError when it is nested deeper than MAX_JSON_DEPTH."""
    if depth > MAX_JSON_DEPTH:
        raise ValueError("JSON nested too deeply")
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_json(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {clean_text(key): clean_json(item, depth + 1) for key, item in value.items()}
    return value


class CleanJSONProvider(DefaultJSONProvider):
    """The app's JSON, read as Flask reads it (``request.get_json`` too), then cleaned;
    a body too deep for the parser is a ValueError (invalid JSON) like any other."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        return clean_json(value)


class CleanRequest(Request):
    parameter_storage_class = CleanMultiDict


def _clean_url_values(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """The parts of the path a route hands its view (a feed token, a slug)."""
    if values is None:
        return
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = clean_text(value)


# --- the database's guard ---------------------------------------------------------------

def _without_nul(value: Any) -> Any:
    """The value with NUL and lone surrogates dropped from every string in it."""
    if isinstance(value, str):
        return UNSTORABLE.sub("", value)
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_without_nul(item) for item in value)
    return value


def storable(parameters: Any) -> Any:
    """The parameters (values, lists or dicts of them) as they are when no string in
    them holds NUL or a lone surrogate; else a copy without them."""
    # repr() shows a NUL as "\x00" and a lone surrogate as "\ud800": one pass in C over
    # a batch of 1,000 rows of an import, where walking every value in Python would
    # cost more than inserting them. (JSON values are cleaned by json_without_nul.)
    if not _UNSTORABLE_REPR.search(repr(parameters)):
        return parameters
    return _without_nul(parameters)


def _drop_nul_from_parameters(_conn, _cursor, statement, parameters, _context, _many):
    return statement, storable(parameters)


def _json_encoder() -> Callable[[Any], str]:
    """json.dumps with its defaults, its C encoder made once: json.dumps makes a new one
    for every value, which was most of the time an import spends on its history's
    values (4.5 against 1.3 µs per entry). Without the circular-reference check, so
    that a value refused half-way leaves nothing behind in the encoder for the next
    (the columns' values are never circular: a circular one ends in RecursionError)."""
    if c_make_encoder is None:
        return json.dumps
    encode = c_make_encoder(None, json.JSONEncoder().default, encode_basestring_ascii,
                            None, ": ", ", ", False, False, True)
    return lambda value: "".join(encode(value, 0))


_dumps = _json_encoder()


def json_without_nul(value: Any) -> str:
    """The JSON columns' serialiser: PostgreSQL's JSONB refuses ``\\u0000`` and JSON
    would keep it, so NUL is dropped from every string first (json.dumps otherwise, as
    SQLAlchemy's default)."""
    text = _dumps(value)  # ensure_ascii: NUL and lone surrogates as \u escapes
    return _dumps(_without_nul(value)) if _UNSTORABLE_JSON.search(text) else text



def install_database_guard(app: Flask) -> None:
    """Before the engine is made: JSON values are written through json_without_nul."""
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    options.setdefault("json_serializer", json_without_nul)


def init_app(app: Flask) -> None:
    app.request_class = CleanRequest
    app.json = CleanJSONProvider(app)
    app.url_value_preprocessor(_clean_url_values)
    install_database_guard(app)
    if not event.contains(Engine, "before_cursor_execute", _drop_nul_from_parameters):
        event.listen(Engine, "before_cursor_execute", _drop_nul_from_parameters,
                     retval=True)
