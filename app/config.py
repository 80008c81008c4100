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


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def engine_options(database_url: str) -> dict:
    """SQLAlchemy's engine options: every connection checked before use and, on a
    server database, a pool sized from the environment. Each web worker process and the
    queue worker have a pool of their own: see docs/deployment.md for the sum."""
    options: dict = {"pool_pre_ping": True}
    if not database_url.startswith("sqlite"):
        options.update(pool_size=_env_int("DATABASE_POOL_SIZE", 5),
                       max_overflow=_env_int("DATABASE_MAX_OVERFLOW", 10),
                       pool_timeout=_env_int("DATABASE_POOL_TIMEOUT", 30),
                       pool_recycle=_env_int("DATABASE_POOL_RECYCLE", 1800))
    return options


JOBS_BACKENDS = ("redis", "sqlite", "immediate")


def jobs_backend(config) -> str:
    """JOBS_BACKEND, else Redis when REDIS_URL is set, else the embedded SQLite queue."""
    backend = config.get("JOBS_BACKEND") or ("redis" if config.get("REDIS_URL") else "sqlite")
    if backend not in JOBS_BACKENDS:
        raise RuntimeError(
            f"JOBS_BACKEND must be one of {', '.join(JOBS_BACKENDS)}: {backend!r}")
    return backend


def load_config() -> dict:
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    default_db = f"sqlite:///{INSTANCE_DIR / 'kontakt.db'}"
    database_url = normalise_database_url(os.environ.get("DATABASE_URL", default_db))
    return {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url),
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
        # Days a finished job's result file (an export …) is kept (crm prune-jobs).
        "JOBS_KEEP_DAYS": int(os.environ.get("JOBS_KEEP_DAYS", 7)),
        # A list export of more rows than this runs as a background job.
        "EXPORT_INLINE_LIMIT": int(os.environ.get("EXPORT_INLINE_LIMIT", 5000)),
        # Proxies in front of the app (0: none): their X-Forwarded-* headers are trusted.
        "PROXY_FIX": int(os.environ.get("PROXY_FIX") or 0),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5 per minute"),
        "INTAKE_RATE_LIMIT": os.environ.get("INTAKE_RATE_LIMIT", "30 per minute"),
        # per API token (an unknown token: per address)
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "600 per minute"),
        # Hours the answer to a POST with an Idempotency-Key is kept for its retries
        # (older ones are removed by the worker's hourly pruning).
        "IDEMPOTENCY_KEEP_HOURS": _env_int("IDEMPOTENCY_KEEP_HOURS", 24),
        "RATELIMIT_HEADERS_ENABLED": True,
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads")),
        "PHOTO_MAX_BYTES": int(os.environ.get("PHOTO_MAX_BYTES", 5 * 1024 * 1024)),
        # Where every file goes (app/services/storage.py): local (UPLOAD_FOLDER) or s3;
        # S3 credentials are boto3's own: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY …
        "ATTACHMENT_STORAGE": os.environ.get("ATTACHMENT_STORAGE", "local"),
        "S3_BUCKET": os.environ.get("S3_BUCKET", ""),
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL", ""),
        "S3_REGION": os.environ.get("S3_REGION", ""),
        "S3_PREFIX": os.environ.get("S3_PREFIX", ""),
        "S3_ADDRESSING_STYLE": os.environ.get("S3_ADDRESSING_STYLE", ""),
        # Deployment (app/deployment.py): how many machines run the app, and whether
        # UPLOAD_FOLDER is a folder they share (NFS …) rather than each machine's own.
        "DEPLOYMENT_MACHINES": _env_int("DEPLOYMENT_MACHINES", 1),
        "UPLOAD_FOLDER_SHARED": _env_flag("UPLOAD_FOLDER_SHARED"),
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
        # A send that failed for now (no connection, a 4xx answer) is tried again.
        "MAIL_RETRIES": int(os.environ.get("MAIL_RETRIES", 3)),
        "MAIL_RETRY_DELAY": int(os.environ.get("MAIL_RETRY_DELAY", 60)),  # seconds
        # Webhooks (app/services/webhooks): attempts per delivery, the first retry's
        # delay in seconds (doubled for each further one), the wait of a delivery behind
        # an earlier one of the same record, the receiver's time to answer, and how many
        # deliveries given up in a row disable a webhook.
        "WEBHOOK_ATTEMPTS": _env_int("WEBHOOK_ATTEMPTS", 6),
        "WEBHOOK_RETRY_DELAY": _env_int("WEBHOOK_RETRY_DELAY", 30),
        "WEBHOOK_ORDER_WAIT": _env_int("WEBHOOK_ORDER_WAIT", 5),
        # Seconds an earlier delivery of the same record may show no sign of life (its
        # job lost with a worker) before later ones go on without it; it is marked
        # "interrupted", to be sent again from the log. Never shorter than the longest
        # pause between two retries.
        "WEBHOOK_ORDER_MAX_WAIT": _env_int("WEBHOOK_ORDER_MAX_WAIT", 3600),
        # Days the deliveries log keeps a delivery (the worker's hourly pruning).
        "WEBHOOK_LOG_DAYS": _env_int("WEBHOOK_LOG_DAYS", 30),
        "WEBHOOK_TIMEOUT": float(os.environ.get("WEBHOOK_TIMEOUT", 10)),
        "WEBHOOK_DISABLE_AFTER": _env_int("WEBHOOK_DISABLE_AFTER", 10),
        # Deliveries to loopback and private addresses are refused (SSRF) unless set.
        "WEBHOOK_ALLOW_PRIVATE": _env_flag("WEBHOOK_ALLOW_PRIVATE"),
    }
