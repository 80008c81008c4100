"""The application's log: one handler on the ``app`` logger (the Flask app's own
logger and every ``logging.getLogger(__name__)`` under ``app``), one format, at the
level of the LOG_LEVEL setting, written to the server's error stream (stderr)."""

from __future__ import annotations

import logging

from flask import Flask
from flask.logging import default_handler, wsgi_errors_stream

LOG_FORMAT = "%(asctime)s %(levelname)s [%(name)s] %(message)s"
HANDLER_NAME = "kontakt"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def init_logging(app: Flask) -> None:
    """Set up the ``app`` logger once; creating the app again (as the tests do) only
    sets the level anew and never adds a second handler."""
    level = str(app.config.get("LOG_LEVEL") or "INFO").strip().upper()
    if level not in LEVELS:
        raise ValueError(f"LOG_LEVEL {level!r} is not one of {', '.join(LEVELS)}")
    logger = logging.getLogger("app")
    logger.removeHandler(default_handler)  # Flask's own, with another format
    if not any(handler.name == HANDLER_NAME for handler in logger.handlers):
        # wsgi_errors_stream: the server's error stream in a request, else stderr
        handler = logging.StreamHandler(  # type: ignore[call-overload]  # a proxy of a stream
            wsgi_errors_stream)
        handler.set_name(HANDLER_NAME)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        logger.addHandler(handler)
    logger.setLevel(level)
