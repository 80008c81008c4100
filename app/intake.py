"""The lead intake URL (B14): a website form or script posts a lead to
``/intake/<tenant slug>/lead?token=…`` as a form or a JSON object. The secret token
names the tenant's intake; every refused URL gets the same 403, so the endpoint tells
nothing about which tenants exist or which part was wrong."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app import i18n
from app.extensions import csrf, limiter
from app.services.errors import FieldErrors
from app.services.work import leads
from app.tenancy import tenant_context
from app.transactions import commit_or_refuse

bp = Blueprint("intake", __name__, url_prefix="/intake")


def _intake_limit() -> str:
    return current_app.config["INTAKE_RATE_LIMIT"]


def _posted_values() -> dict | None:
    """The form fields, or the JSON object; None for a JSON body that is not an object
    (or does not parse, or is nested too deeply)."""
    if request.is_json:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else None
    return request.form.to_dict()


@bp.route("/<slug>/lead", methods=["POST"])
@csrf.exempt  # called by other sites, which hold the URL's token, not a session
@limiter.limit(_intake_limit)
def receive_lead(slug: str) -> tuple[Response, int]:
    tenant = leads.intake_tenant(slug, request.args.get("token"))
    if tenant is None:
        abort(403)
    i18n.answer_in(tenant.default_language)
    values = _posted_values()
    if values is None:
        return jsonify(error=_("The request body is not a valid JSON object.")), 400
    with tenant_context(tenant.id):
        received = commit_or_refuse(lambda: leads.receive(values))
        if isinstance(received.refusal, FieldErrors):
            return jsonify(errors=received.refusal.errors), 400
        if not received:
            return jsonify(errors={"": str(received.refusal)}), 400
        return jsonify(id=received.value.id), 201
