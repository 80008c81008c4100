"""Where the rate limits count. The default, memory://, counts in each process alone:
right for `make run` (one process), wrong under gunicorn with several workers, where
every worker would allow the full limit. RATELIMIT_STORAGE_URI names any storage of the
`limits` library; without it REDIS_URL (redis://host:port/db) is used."""

from __future__ import annotations

from flask import Flask

from app.extensions import limiter

MEMORY_STORAGE = "memory://"


def storage_uri(config) -> str:
    """RATELIMIT_STORAGE_URI wins, then REDIS_URL, then the process's own memory."""
    return config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or MEMORY_STORAGE


def init_app(app: Flask) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(app.config)
    limiter.init_app(app)
    in_memory = app.config["RATELIMIT_STORAGE_URI"].startswith(MEMORY_STORAGE)
    if in_memory and not (app.debug or app.testing):
        app.logger.warning(
            "Rate limits are counted in memory, by each worker process alone: with "
            "several workers set REDIS_URL or RATELIMIT_STORAGE_URI so they share the count.")
