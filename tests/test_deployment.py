"""Beyond one machine: the start-up check of gunicorn.conf.py and `crm check-deployment`
(several web processes or machines need shared rate limits, queue, files, database and
key), sessions as signed cookies any worker accepts, and the database pool settings."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from flask.sessions import SecureCookieSessionInterface

from app import deployment
from app.config import engine_options
from tests.conftest import free_port, login, make_app

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
PRODUCTION = {"TESTING": False, "DEBUG": False, "RATELIMIT_STORAGE_URI": "", "REDIS_URL": "",
              "JOBS_BACKEND": "", "ATTACHMENT_STORAGE": "local", "S3_BUCKET": "",
              "DEPLOYMENT_MACHINES": 1, "UPLOAD_FOLDER_SHARED": False,
              "SQLALCHEMY_DATABASE_URI": "sqlite:////srv/kontakt.db"}
SHARED = {"REDIS_URL": "redis://redis:6379/0", "ATTACHMENT_STORAGE": "s3",
          "S3_BUCKET": "kontakt-files",
          "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://crm@db/crm"}
WITH_KEY = {"SECRET_KEY": "from-the-environment"}
RATE_LIMITS = "rate limits alone (memory://)"
QUEUE = "embedded SQLite file of one machine"
DISK = "each machine's own disk"
DATABASE = "SQLite file on one machine"
KEY = "SECRET_KEY is not set"


def problems_of(workers: int = 1, environ: dict | None = None, **config) -> list[str]:
    return deployment.problems({**PRODUCTION, **config}, workers=workers,
                               environ=WITH_KEY if environ is None else environ)


def mentions(found: list[str]) -> set[str]:
    return {text for text in (RATE_LIMITS, QUEUE, DISK, DATABASE, KEY)
            if any(text in problem for problem in found)}


def test_one_process_on_one_machine_needs_nothing_shared():
    assert problems_of(workers=1, environ={}) == []


def test_several_workers_need_shared_rate_limits():
    assert mentions(problems_of(workers=2)) == {RATE_LIMITS}
    assert "2 web processes" in problems_of(workers=2)[0]
    assert problems_of(workers=4, REDIS_URL="redis://localhost:6379/0") == []
    assert problems_of(workers=4, RATELIMIT_STORAGE_URI="memcached://cache:11211") == []
    # the embedded queue and local files serve several processes of one machine
    assert problems_of(workers=4, RATELIMIT_STORAGE_URI="redis://r:6379/1") == []


def test_debug_and_test_runs_are_never_refused():
    assert problems_of(workers=4, TESTING=True) == []
    assert problems_of(workers=4, DEBUG=True) == []
    assert problems_of(workers=4, environ={"FLASK_DEBUG": "1"}) == []


def test_several_machines_need_everything_shared():
    found = problems_of(workers=1, environ={}, DEPLOYMENT_MACHINES=3)
    assert mentions(found) == {RATE_LIMITS, QUEUE, DISK, DATABASE, KEY}
    assert "3 web processes" in found[0]
    assert problems_of(workers=4, DEPLOYMENT_MACHINES=3, **SHARED) == []
    assert mentions(problems_of(DEPLOYMENT_MACHINES=2, environ={}, **SHARED)) == {KEY}
    # a shared upload folder (NFS …) will do instead of object storage
    shared_folder = {**SHARED, "ATTACHMENT_STORAGE": "local", "UPLOAD_FOLDER_SHARED": True}
    assert problems_of(DEPLOYMENT_MACHINES=2, **shared_folder) == []
    # Redis for rate limits only: the queue is still one machine's file
    found = problems_of(DEPLOYMENT_MACHINES=2, **{**SHARED, "REDIS_URL": ""},
                        RATELIMIT_STORAGE_URI="redis://r:6379/1")
    assert mentions(found) == {QUEUE}


def test_settings_wrong_however_the_app_starts_are_refused_even_in_debug():
    found = problems_of(DEBUG=True, ATTACHMENT_STORAGE="s3")
    assert found == ["ATTACHMENT_STORAGE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for "
                     "storage other than AWS)."]
    assert problems_of(JOBS_BACKEND="celery") == [
        "JOBS_BACKEND must be one of redis, sqlite, immediate: 'celery'"]


def test_the_check_stops_the_start_with_the_reasons(capsys):
    with pytest.raises(SystemExit) as stopped:
        deployment.check(PRODUCTION, workers=2, environ=WITH_KEY)
    assert stopped.value.code == 3
    error = capsys.readouterr().err
    assert error.startswith("Kontakt CRM refuses to start:\n  - 2 web processes")
    assert "See docs/deployment.md." in error
    deployment.check({**PRODUCTION, **SHARED}, workers=2, environ=WITH_KEY)  # no exit


def test_worker_processes_by_default():
    assert deployment.default_workers(PRODUCTION, cpus=4) == 1  # memory://: one process
    assert deployment.default_workers({**PRODUCTION, **SHARED}, cpus=1) == 3
    assert deployment.default_workers({**PRODUCTION, **SHARED}, cpus=16) == 8
    assert deployment.workers_from_environment({"WEB_CONCURRENCY": "6"}) == 6
    assert deployment.workers_from_environment({}) == 1


def test_check_deployment_command(app, monkeypatch):
    monkeypatch.setitem(app.config, "TESTING", False)
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "check-deployment", "--workers", "2"])
    assert result.exit_code == 3
    assert "2 web processes would each count rate limits alone" in result.output
    result = runner.invoke(args=["crm", "check-deployment"])
    assert result.exit_code == 0
    assert result.output == "The configuration suits 1 web worker process(es) on 1 machine(s).\n"
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runner.invoke(args=["crm", "check-deployment"]).exit_code == 3
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "redis://redis:6379/0")
    result = runner.invoke(args=["crm", "check-deployment"])
    assert result.exit_code == 0
    assert "suits 3 web worker process(es)" in result.output


# --- gunicorn with the repository's configuration file -----------------------------------

def gunicorn_environment(tmp_path, **values: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items()
               if k not in {"FLASK_DEBUG", "REDIS_URL", "RATELIMIT_STORAGE_URI",
                            "WEB_CONCURRENCY", "JOBS_BACKEND", "DEPLOYMENT_MACHINES"}}
    environ.update(SECRET_KEY="gunicorn-test", DATABASE_URL=f"sqlite:///{tmp_path}/crm.db",
                   JOBS_SQLITE_PATH=str(tmp_path / "jobs.db"),
                   UPLOAD_FOLDER=str(tmp_path / "uploads"), **values)
    return environ


def test_gunicorn_refuses_several_workers_counting_in_memory(tmp_path):
    environ = gunicorn_environment(tmp_path, WEB_CONCURRENCY="3",
                                   BIND=f"127.0.0.1:{free_port()}")
    done = subprocess.run(GUNICORN, cwd=ROOT, env=environ, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 3
    assert "Kontakt CRM refuses to start:" in done.stderr
    assert "3 web processes would each count rate limits alone" in done.stderr
    assert "Booting worker" not in done.stderr  # refused before any worker started


def test_gunicorn_serves_with_one_worker_by_default(tmp_path):
    port = free_port()
    environ = gunicorn_environment(tmp_path, BIND=f"127.0.0.1:{port}")
    server = subprocess.Popen(GUNICORN, cwd=ROOT, env=environ,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        status = _first_answer(f"http://127.0.0.1:{port}/healthz", server)
    finally:
        server.terminate()
        _, error = server.communicate(timeout=30)
    assert status in {200, 503}  # served (the empty database may not be migrated)
    assert error.count("Booting worker") == 1


def _first_answer(url: str, server: subprocess.Popen, attempts: int = 300) -> int:
    for _ in range(attempts):
        if server.poll() is not None:
            raise AssertionError(f"gunicorn stopped with status {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as answer:
            return answer.code
        except OSError:
            time.sleep(0.1)  # not listening yet
    raise AssertionError("gunicorn did not answer")


def test_the_master_imports_what_the_workers_app_is_made_of_and_makes_nothing():
    """gunicorn.conf.py imports the app's modules before forking (app.preload): the
    factory then imports no module of the app's own that is not already there, and
    nothing process-bound (an app, a thread, a database driver's connection) exists yet."""
    script = (
        "import sys, threading, gc\n"
        "from app.preload import import_modules\n"
        "import_modules()\n"
        "import flask\n"
        "assert threading.active_count() == 1, threading.enumerate()\n"
        "assert not [o for o in gc.get_objects() if isinstance(o, flask.Flask)]\n"
        "before = set(sys.modules)\n"
        "from app import create_app\n"
        "create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SECRET_KEY': 'k'})\n"
        "print(sorted(m for m in set(sys.modules) - before if m.startswith('app.')))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "REDIS_URL": ""})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- sessions and the database pool -------------------------------------------------------

def test_sessions_are_signed_cookies_any_worker_accepts(app, database_url, client, tenant_a):
    """A second app (another worker process) with the same SECRET_KEY knows the user
    from the cookie alone; nothing about the session is kept server-side."""
    # signed cookies (the API's variant only keeps API requests out of them)
    assert isinstance(app.session_interface, SecureCookieSessionInterface)
    login(client, "admin@alpha.example")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only
    other_worker = make_app(database_url, UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"])
    other = other_worker.test_client()
    assert other.get("/admin/contact/").status_code == 302  # no cookie: to the login
    other.set_cookie("session", cookie.value, domain="localhost")
    assert other.get("/admin/contact/").status_code == 200
    forged = make_app(database_url, SECRET_KEY="another-key").test_client()
    forged.set_cookie("session", cookie.value, domain="localhost")
    assert forged.get("/admin/contact/").status_code == 302


def test_the_database_pool_is_sized_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_POOL_SIZE", "12")
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "3")
    monkeypatch.delenv("DATABASE_POOL_TIMEOUT", raising=False)
    assert engine_options("postgresql+psycopg://crm@db/crm") == {
        "pool_pre_ping": True, "pool_size": 12, "max_overflow": 3, "pool_timeout": 30,
        "pool_recycle": 1800}
    assert engine_options("sqlite:////srv/crm.db") == {"pool_pre_ping": True}
