"""Settings read from the environment; one class so tests can override a dict."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
LANGUAGES = ("da", "sv", "pl", "en")


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Accept plain postgres:// URLs and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_config() -> dict:
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    default_db = f"sqlite:///{INSTANCE_DIR / 'kontakt.db'}"
    return {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL", default_db)
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_flag("SESSION_COOKIE_SECURE"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _env_flag("SESSION_COOKIE_SECURE"),
        "WTF_CSRF_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("DEFAULT_TIMEZONE", "Europe/Copenhagen"),
        # The domain part of calendar event UIDs: fixed per deployment, never the host a
        # feed happens to be read at (that would duplicate every event for subscribers).
        "CALENDAR_UID_DOMAIN": os.environ.get("CALENDAR_UID_DOMAIN", "kontakt-crm"),
        "LANGUAGES": LANGUAGES,
        # Empty: REDIS_URL when set, else memory:// (see app/rate_limits.py).
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", ""),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        # Background jobs (app/jobs.py): redis, sqlite or immediate; empty: redis when
        # REDIS_URL is set, else the embedded SQLite queue in instance/jobs.db.
        "JOBS_BACKEND": os.environ.get("JOBS_BACKEND", ""),
        "JOBS_QUEUE": os.environ.get("JOBS_QUEUE", "kontakt"),
        "JOBS_SQLITE_PATH": os.environ.get("JOBS_SQLITE_PATH", str(INSTANCE_DIR / "jobs.db")),
        "JOBS_PROGRESS_EVERY": 0.25,  # seconds between a job's progress reports
        # Proxies in front of the app (0: none): their X-Forwarded-* headers are trusted.
        "PROXY_FIX": int(os.environ.get("PROXY_FIX") or 0),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5 per minute"),
        "INTAKE_RATE_LIMIT": os.environ.get("INTAKE_RATE_LIMIT", "30 per minute"),
        # per API token (an unknown token: per address)
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "600 per minute"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads")),
        "PHOTO_MAX_BYTES": int(os.environ.get("PHOTO_MAX_BYTES", 5 * 1024 * 1024)),
        "ATTACHMENT_STORAGE": os.environ.get("ATTACHMENT_STORAGE", "local"),
        "ATTACHMENT_MAX_BYTES": int(os.environ.get("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)),
        # Outgoing e-mail (E10); without MAIL_SERVER e-mails are saved, not sent.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", 25)),
        "MAIL_USE_TLS": _env_flag("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _env_flag("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", ""),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", 10)),
    }
