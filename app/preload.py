"""The modules a worker's app is made of, imported in gunicorn's master process
(gunicorn.conf.py) before it forks its workers.

Importing them is most of a worker's start (about 1.9 s of CPU of 2.5 on a 2-core
machine; making the app is the rest). gunicorn replaces each worker after
``max_requests`` requests: importing everything anew each time cost a busy list
worker about a sixth of its CPU at 1,000 requests per life. Forked from a master that
has them, a worker (a replacement too) only makes its own app.

Nothing is made here — no app, no engine, no connection, no thread: each worker makes
those after the fork (preload_app stays off), so no process shares a connection."""

from __future__ import annotations

import importlib

# In the order the application factory imports them (app.create_app).
MODULES = (
    "app.api", "app.auth", "app.carddav", "app.cli", "app.feeds", "app.health",
    "app.intake", "app.views", "app.jobs", "app.models", "app.webhook_jobs",
    "app.services.settings", "app.services.activities.attachments",
    "app.services.fields.kept", "app.auth.sessions", "app.views.date_fields",
    "app.api.errors",
    # those the API registers as the app is made (app.api.init_app)
    "app.api.activities", "app.api.contacts", "app.api.dictionaries", "app.api.fields",
    "app.api.resources", "app.api.sales", "app.api.work",
)


def import_modules() -> None:
    """Import every module of MODULES (those they import come along)."""
    for name in MODULES:
        importlib.import_module(name)
