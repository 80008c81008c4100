"""The two servers under load, each gunicorn with 2 workers on loopback: our app, and
the Django admin peer (its own virtualenv, its own database, filled by its own
`manage.py generate N`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from app.config import normalise_database_url
from bench.data import recreate_database, settle

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
PEER_PACKAGES = ["django>=5.2,<5.3", "gunicorn", "psycopg[binary]"]


@contextmanager
def serving(command: list[str], env: dict[str, str], cwd: Path, ready_url: str
            ) -> Iterator[None]:
    """Run a server until the block ends; wait until it answers first."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=cwd, env=os.environ | env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_ready(process, ready_url, log)
            yield
        finally:
            if process.poll() is None:  # it may have refused to start
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def _wait_ready(process: subprocess.Popen, url: str, log) -> None:
    deadline = time.time() + 90
    while time.time() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"{url} did not start:\n{log.read().decode()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within 90 s")


def ours(database_url: str, port: int) -> AbstractContextManager[None]:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "bench-secret",
           # every load run logs in once; the login limit is for people, not for this
           "LOGIN_RATE_LIMIT": "10000 per minute",
           # several workers count limits in Redis, as in production: the start-up
           # check (gunicorn.conf.py) refuses them with limits kept in each process
           "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"}
    return serving([str(gunicorn), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "wsgi:app"],
                   env, ROOT, f"http://127.0.0.1:{port}/healthz")


def peer(peer_dir: Path, python: Path, database: str, port: int
         ) -> AbstractContextManager[None]:
    command = [str(python.parent / "gunicorn"), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
               "--chdir", str(peer_dir / "django_peer"), "wsgi:application"]
    return serving(command, _peer_env(database), peer_dir,
                   f"http://127.0.0.1:{port}/admin/login/")


def _peer_env(database: str) -> dict[str, str]:
    return {"PEER_DATABASE": database, "PYTHONDONTWRITEBYTECODE": "1"}


def ensure_peer_python(python: Path) -> None:
    """The peer's own virtualenv (Django must not enter ours), made when missing."""
    if python.exists():
        return
    venv = python.parent.parent
    print(f"creating the peer's virtualenv in {venv}", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True)


def _peer_contacts(database: str) -> int | None:
    engine = create_engine(normalise_database_url(database))
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM crm_contact")).scalar()
    except Exception:  # no database or no table yet
        return None
    finally:
        engine.dispose()


def prepare_peer(peer_dir: Path, python: Path, database: str, contacts: int) -> dict[str, int]:
    """The peer's database with exactly `contacts` contacts (generated anew otherwise);
    the ids of the tag and organisation both sides filter by."""
    ensure_peer_python(python)
    if _peer_contacts(database) != contacts:
        print(f"generating the peer's {contacts:,} contacts", flush=True)
        recreate_database(normalise_database_url(database))
        manage = [str(python), "manage.py"]
        run = {"cwd": peer_dir / "django_peer", "env": os.environ | _peer_env(database),
               "check": True}
        subprocess.run([*manage, "migrate", "-v0"], **run)
        subprocess.run([*manage, "generate", str(contacts)], **run)
    settle(normalise_database_url(database))  # as ours: vacuumed and analysed
    engine = create_engine(normalise_database_url(database))
    with engine.connect() as conn:
        ids = {"tag": conn.execute(text("SELECT id FROM crm_tag WHERE name = 'tag3'")).scalar(),
               "organisation": conn.execute(text(
                   "SELECT id FROM crm_organisation WHERE name = 'Firma 7'")).scalar()}
    engine.dispose()
    return ids
