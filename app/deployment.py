"""Whether the configuration suits how the app is started: several web worker processes
(gunicorn's workers) on one or several machines (DEPLOYMENT_MACHINES).

The web workers keep nothing between requests themselves — sessions are signed cookies,
files go to the storage interface, the database holds the rest — except what the
configuration may place in one process or on one machine: rate-limit counts in
``memory://``, the embedded SQLite job queue, uploads on a machine's own disk, the
SQLite database, and a SECRET_KEY generated into one machine's instance folder. The
check refuses a start where one of those would be split; it is run by gunicorn
(gunicorn.conf.py, before any worker starts) and by ``flask --app wsgi crm
check-deployment``. Debug and test runs are one process and are never refused.

This module reads the configuration only (no app, no database), so the gunicorn master
can run it before loading the app."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from app.config import jobs_backend
from app.rate_limits import MEMORY_STORAGE, storage_uri


class UnsafeDeployment(SystemExit):
    """Raised to stop a start the configuration does not suit (exit status 3)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(3)
        self.problems = problems


def workers_from_environment(environ: Mapping[str, str] = os.environ) -> int:
    """WEB_CONCURRENCY (the convention gunicorn and hosting platforms share), else 1."""
    value = (environ.get("WEB_CONCURRENCY") or "").strip()
    return int(value) if value else 1


def default_workers(config: Mapping[str, Any], cpus: int) -> int:
    """Worker processes when WEB_CONCURRENCY does not say: one per core and one more
    (at most 8) once rate limits are shared; otherwise one process, whose threads
    share its counts."""
    if storage_uri(config).startswith(MEMORY_STORAGE):
        return 1
    return max(2, min(2 * cpus + 1, 8))


def is_development(config: Mapping[str, Any],
                   environ: Mapping[str, str] = os.environ) -> bool:
    debug = (environ.get("FLASK_DEBUG") or "").strip().lower() in {"1", "true", "yes", "on"}
    return bool(config.get("DEBUG") or config.get("TESTING") or debug)


def problems(config: Mapping[str, Any], *, workers: int,
             environ: Mapping[str, str] = os.environ) -> list[str]:
    """What is wrong with starting ``workers`` web processes per machine on
    DEPLOYMENT_MACHINES machines with this configuration (empty: nothing)."""
    found = _configuration_errors(config)
    if is_development(config, environ):
        return found
    machines = int(config.get("DEPLOYMENT_MACHINES") or 1)
    if workers * machines > 1 and storage_uri(config).startswith(MEMORY_STORAGE):
        found.append(
            f"{workers * machines} web processes would each count rate limits alone "
            "(memory://), allowing every limit that many times: set REDIS_URL or "
            "RATELIMIT_STORAGE_URI, or run one worker process (WEB_CONCURRENCY=1).")
    if machines > 1:
        found += _single_machine_settings(config, environ)
    return found


def _configuration_errors(config: Mapping[str, Any]) -> list[str]:
    """Settings that are wrong however the app is started."""
    found = []
    try:
        jobs_backend(config)
    except RuntimeError as exc:
        found.append(str(exc))
    if config.get("ATTACHMENT_STORAGE") == "s3" and not config.get("S3_BUCKET"):
        found.append("ATTACHMENT_STORAGE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for "
                     "storage other than AWS).")
    return found


def _single_machine_settings(config: Mapping[str, Any],
                             environ: Mapping[str, str]) -> list[str]:
    """Settings that keep state on one machine, wrong when several run the app."""
    found = []
    machines = config.get("DEPLOYMENT_MACHINES")
    if _safe_jobs_backend(config) == "sqlite":
        found.append(f"The job queue is the embedded SQLite file of one machine, but "
                     f"DEPLOYMENT_MACHINES={machines}: set REDIS_URL (or JOBS_BACKEND=redis).")
    if (config.get("ATTACHMENT_STORAGE") or "local") == "local" \
            and not config.get("UPLOAD_FOLDER_SHARED"):
        found.append("Files are stored on each machine's own disk: set ATTACHMENT_STORAGE=s3 "
                     "(or UPLOAD_FOLDER_SHARED=1 when UPLOAD_FOLDER is a shared folder).")
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        found.append("The database is a SQLite file on one machine: set DATABASE_URL to "
                     "PostgreSQL.")
    if not environ.get("SECRET_KEY"):
        found.append("SECRET_KEY is not set, so each machine would generate its own and "
                     "not accept the others' session cookies: set SECRET_KEY.")
    return found


def _safe_jobs_backend(config: Mapping[str, Any]) -> str | None:
    try:
        return jobs_backend(config)
    except RuntimeError:
        return None  # already reported


def check(config: Mapping[str, Any], *, workers: int,
          environ: Mapping[str, str] = os.environ) -> None:
    """Stop the start with the problems on standard error, if there are any."""
    found = problems(config, workers=workers, environ=environ)
    if found:
        print("Kontakt CRM refuses to start:", file=sys.stderr)
        for problem in found:
            print(f"  - {problem}", file=sys.stderr)
        print("See docs/deployment.md.", file=sys.stderr)
        raise UnsafeDeployment(found)
