"""The JSON API for integrations (B15), at /api/v1/: contacts, organisations and the
other records, with the same rules as the screens (the services), described by the
OpenAPI document at /api/v1/openapi.json, made by flask-smorest from the schemas.

A request authenticates with one of the user's API tokens (``Authorization: Bearer``,
services.api_tokens) and then acts as that user: Flask-Login's current user, so the
tenant scoping, edit rights, privacy rules and the change history are the user's, as on
the screens. The API reads no session cookie and sets none (so a browser's session is
no login here and CSRF has nothing to forge); it is rate limited per token."""

from __future__ import annotations

import hashlib
from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, Request, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import refresh
from flask_login import current_user
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest import abort
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException

from app.api import errors
from app.extensions import csrf, limiter, login_manager
from app.i18n import answer_in, available_languages
from app.input_cleaning import clean_json
from app.models import User
from app.services import api_tokens
from app.transactions import commit_or_refuse

PREFIX = "/api/"
VERSION_PREFIX = "/api/v1"
BEARER = "bearer"


def is_api_request() -> bool:
    return request.path.startswith(PREFIX)


class CleanParser(FlaskParser):
    """webargs' parser reading JSON bodies as the rest of the app does: control
    characters removed, too deep nesting refused (app.input_cleaning)."""

    def load_json(self, req: Request, schema: Any) -> Any:
        if not is_json_request(req) or not req.get_data(cache=True):
            return core.missing
        try:
            return clean_json(core.parse_json(req.get_data(cache=True)))
        except (ValueError, UnicodeDecodeError, RecursionError):
            abort(400, code="bad_json", message=errors.MESSAGES[400])


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = CleanParser()


class Api(SmorestApi):
    ERROR_SCHEMA = errors.ErrorSchema

    def handle_http_exception(self, error: HTTPException):
        """Registered by flask-smorest for every HTTP error of the app: the API's get
        its JSON; every other page what it got before (Werkzeug's own answer)."""
        if not is_api_request():
            return error
        return errors.response_for(error)


class NoApiSessions(SecureCookieSessionInterface):
    """No session for API requests: neither read (a browser's cookie logs no one in
    here) nor written (no cookie in API answers)."""

    def open_session(self, app: Flask, request: Request):
        if request.path.startswith(PREFIX):
            return self.make_null_session(app)
        return super().open_session(app, request)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == BEARER and token.strip() else None


def load_user_from_token(req: Request) -> User | None:
    """Flask-Login's request loader: the user of a valid API token, in API requests."""
    if not req.path.startswith(PREFIX):
        return None
    token = bearer_token()
    if token is None:
        return None
    record = api_tokens.authenticate(token)
    if record is None:
        return None
    g.api_token_id = record.id
    return record.user


def rate_limit_key() -> str:
    """Per token (its hash: the token itself is kept out of the limiter's storage);
    requests without one by address."""
    token = bearer_token()
    if token:
        return "api-token:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return "api-address:" + (request.remote_addr or "")


def _api_rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _authenticate() -> None:
    """Every API URL but the OpenAPI document needs a token of an active user."""
    if not current_user.is_authenticated or g.get("api_token_id") is None:
        abort(401)
    token_id = g.api_token_id
    commit_or_refuse(lambda: api_tokens.record_use(token_id))
    wanted = request.headers.get("Accept-Language")
    if wanted:  # asked for explicitly: else the user's own language, as on the screens
        language = request.accept_languages.best_match(available_languages())
        if language:
            answer_in(language)
    else:
        refresh()


def blueprint(name: str, description: str) -> Blueprint:
    """An API blueprint: token required, no CSRF (no cookie is read), rate limited."""
    bp = Blueprint(f"api_{name}", __name__, url_prefix=VERSION_PREFIX, description=description)
    bp.before_request(_authenticate)
    csrf.exempt(bp)
    limiter.limit(_api_rate_limit, key_func=rate_limit_key)(bp)
    return bp


SPEC_OPTIONS = {
    "info": {"description": "Kontakt CRM's API for integrations. Authenticate with an API "
             "token (My API tokens): `Authorization: Bearer <token>`."},
    "components": {"securitySchemes": {
        "bearerAuth": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearerAuth": []}],
}


def schema_name(schema: Any) -> str:
    """The name of a schema in the OpenAPI document: a PATCH body (partial) apart."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    partial = not isinstance(schema, type) and schema.partial
    return f"{name}Patch" if partial else name


def init_app(app: Flask) -> Api:
    app.config.update({
        "API_TITLE": "Kontakt CRM API", "API_VERSION": "v1", "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": VERSION_PREFIX, "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": SPEC_OPTIONS,
    })
    app.session_interface = NoApiSessions()
    login_manager.request_loader(load_user_from_token)
    api = Api(app, spec_kwargs={
        "marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name)})
    from app.api import activities, contacts, dictionaries, fields, sales, work

    for module in (contacts, work, activities, sales, dictionaries, fields):
        for bp in module.blueprints():
            api.register_blueprint(bp)
    return api
