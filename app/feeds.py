"""Feed URLs for clients that cannot log in: the secret token in the URL names the user,
whose tenant then scopes every query as for a logged-in request."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from app.extensions import limiter
from app.services import feeds
from app.tenancy import tenant_context

bp = Blueprint("feeds", __name__, url_prefix="/feeds")


@bp.route("/<token>/contacts.vcf")
@limiter.limit("60 per minute")
def address_book(token: str) -> Response:
    user = feeds.user_for_token(token)
    if user is None:
        abort(404)
    with tenant_context(user.tenant_id):
        body = "".join(feeds.address_book())
    response = Response(body, mimetype="text/vcard")
    response.headers["Content-Disposition"] = 'inline; filename="contacts.vcf"'
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response
