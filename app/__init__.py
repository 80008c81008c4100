"""Kontakt CRM: the application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from flask import Flask, jsonify, render_template, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Table

from app import (
    audit,
    babel_compat,
    fragments,
    i18n,
    input_cleaning,
    outage,
    rate_limits,
    security,
    tenancy,
)
from app.config import load_config
from app.extensions import babel, csrf, db, login_manager, migrate
from app.i18n import LANGUAGE_NAMES, select_locale, select_timezone
from app.logs import init_logging

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(load_config())
    if config:
        app.config.update(config)

    init_logging(app)
    _init_extensions(app)
    security.init_app(app)
    _init_request_hooks(app)
    _init_templates(app)

    from app import api
    from app.auth import bp as auth_bp
    from app.carddav import bp as carddav_bp
    from app.cli import crm
    from app.feeds import bp as feeds_bp
    from app.health import bp as health_bp
    from app.intake import bp as intake_bp
    from app.views import init_admin

    app.register_blueprint(auth_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(carddav_bp)
    app.register_blueprint(intake_bp)
    api.init_app(app)
    app.cli.add_command(crm)
    init_admin(app)
    _init_error_pages(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import jobs, models, webhook_jobs  # models: registers every model with the metadata
    from app.services import settings
    from app.services.activities import attachments
    from app.services.fields import kept as kept_definitions

    input_cleaning.init_app(app)  # before the engine is made: it sets the JSON writer
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    tenancy.install()
    kept_definitions.install()  # after tenancy: new definitions carry their tenant by then
    audit.install(cast(Table, models.AuditEntry.__table__))
    attachments.install()
    csrf.init_app(app)
    rate_limits.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    babel_compat.install()
    i18n.install(settings.tenant_language)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    from app.auth import sessions

    login_manager.user_loader(sessions.load_user)
    jobs.init_app(app)
    webhook_jobs.init_app(app)


def _init_request_hooks(app: Flask) -> None:
    @app.before_request
    def scope_to_tenant() -> None:
        # Threads are reused between requests: always start from no tenant.
        tenancy.set_current_tenant(None)
        if outage.needs_no_user():  # served even while the database is down
            return
        if current_user.is_authenticated:
            tenancy.set_current_tenant(current_user.tenant_id)
        outage.check()

    @app.teardown_request
    def end_request(_exc: BaseException | None) -> None:
        tenancy.set_current_tenant(None)

    app.after_request(fragments.hand_redirect_to_script)


def _init_templates(app: Flask) -> None:
    # Block tags leave no indentation and line breaks behind: Flask-Admin's list rows are
    # mostly such whitespace, half of a list page's weight.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["decimal"] = format_decimal

    from app.views.date_fields import picker_texts

    @app.context_processor
    def inject_language() -> dict[str, Any]:
        return {
            "current_language": str(get_locale() or "en"),
            "language_names": LANGUAGE_NAMES,
            "date_picker_texts": picker_texts,
        }


def _init_error_pages(app: Flask) -> None:
    messages = {
        400: lambda: _("The request could not be understood. Please try again."),
        403: lambda: _("You do not have access to this page."),
        404: lambda: _("The page was not found."),
        413: lambda: _("The upload is too large."),
        429: lambda: _("Too many attempts. Please wait a minute and try again."),
        500: lambda: _("Something went wrong. Please try again."),
        503: lambda: _("The database cannot be reached at the moment. Please try again "
                       "in a few minutes."),
    }

    def render_error(error):
        code = getattr(error, "code", 500) or 500
        if request.path.startswith("/api/"):
            from app.api.errors import response_for

            return response_for(error)
        if request.path.startswith(("/healthz", "/intake/")):
            return jsonify(error=messages[code]()), code
        return render_template("kontakt/error.html", code=code, message=messages[code]()), code

    for code in messages:
        app.register_error_handler(code, render_error)
    outage.init_app(app, render_error)

