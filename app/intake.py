"""The lead intake URL (B14): a website form or script posts a lead to
``/intake/<tenant slug>/lead?token=…`` as a form or a JSON object. The secret token
names the tenant's intake; every refused URL gets the same 403, so the endpoint tells
nothing about which tenants exist or which part was wrong."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request
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


def _posted_values() -> dict:
    """The form fields, or the JSON object (anything else counts as no fields)."""
    if request.is_json:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}
    return request.form.to_dict()


@bp.route("/<slug>/lead", methods=["POST"])
@csrf.exempt  # called by other sites, which hold the URL's token, not a session
@limiter.limit(_intake_limit)
def receive_lead(slug: str) -> tuple[Response, int]:
    tenant = leads.intake_tenant(slug, request.args.get("token"))
    if tenant is None:
        abort(403)
    i18n.answer_in(tenant.default_language)
    with tenant_context(tenant.id):
        received = commit_or_refuse(lambda: leads.receive(_posted_values()))
        if isinstance(received.refusal, FieldErrors):
            return jsonify(errors=received.refusal.errors), 400
        if not received:
            return jsonify(errors={"": str(received.refusal)}), 400
        return jsonify(id=received.value.id), 201
