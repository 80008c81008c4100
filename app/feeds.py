"""Feed URLs for clients that cannot log in: the secret token in the URL names the user,
whose tenant then scopes every query as for a logged-in request."""

from __future__ import annotations

from flask import Blueprint, Response, abort
from flask_babel import force_locale

from app.extensions import limiter
from app.models import User
from app.services import feeds
from app.services.activities import calendar
from app.tenancy import tenant_context

bp = Blueprint("feeds", __name__, url_prefix="/feeds")


def _owner(token: str) -> tuple[User, int]:
    """The user the token belongs to and their tenant; 404 for no such token (or a
    user of no tenant, who has no feed)."""
    user = feeds.user_for_token(token)
    if user is None or user.tenant_id is None:
        abort(404)
    return user, user.tenant_id


def _feed_response(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response


@bp.route("/<token>/contacts.vcf")
@limiter.limit("60 per minute")
def address_book(token: str) -> Response:
    user, tenant_id = _owner(token)
    with tenant_context(tenant_id):
        body = "".join(feeds.address_book(user))
    return _feed_response(body, "text/vcard", "contacts.vcf")


@bp.route("/<token>/calendar.ics")
@limiter.limit("60 per minute")
def planned_activities(token: str) -> Response:
    user, tenant_id = _owner(token)
    # No one is logged in: the texts follow the owner's language, not the client's.
    with tenant_context(tenant_id), force_locale(feeds.language_of(user)):
        body = calendar.calendar(user)
    return _feed_response(body, "text/calendar", "calendar.ics")
