"""When the database cannot be reached: pages answer a translated 503 that needs no
database, /healthz answers 503 JSON, static files are still served.

The request marks the outage on ``g`` the first time a query fails for want of a
connection; from then on nothing in the request asks the database again (the user
loader, the language choice), so the error page itself cannot fail the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import ServiceUnavailable

# What SQLAlchemy raises when the server is down, the connection is lost or the SQLite
# file cannot be opened. Errors in a statement (IntegrityError, DataError …) are not.
DATABASE_ERRORS = (OperationalError, InterfaceError)
# Served without loading the user: files, and the health check that reports the outage.
NO_USER_ENDPOINTS = frozenset({"static", "admin.static", "health.healthz"})


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot be reached; answered as 503."""


def mark_down(exc: Exception) -> None:
    """Remember the outage for the rest of the request, and log it once."""
    if has_request_context() and not g.get("database_down"):
        g.database_down = True
        current_app.logger.error("Database unavailable: %s", exc)


def is_down() -> bool:
    return has_request_context() and bool(g.get("database_down"))


def needs_no_user() -> bool:
    return request.endpoint in NO_USER_ENDPOINTS


def check() -> None:
    """Answer 503 at once when loading the user already found the database down."""
    if is_down():
        raise DatabaseUnavailable()


def init_app(app: Flask, render_error: Callable) -> None:
    """Any lost connection, wherever in a request, becomes the 503 page."""

    def database_error(exc: Exception):
        mark_down(exc)
        return render_error(DatabaseUnavailable())

    for error in DATABASE_ERRORS:
        app.register_error_handler(error, database_error)
