"""`make bench`: generate the tenant, cost each page in-process, load each page through
gunicorn (and the Django peer's same page, interleaved), print the table and save JSON.

Environment (all optional):
    BENCH_CONTACTS      contacts in the tenant (100000)
    BENCH_DATABASE_URL  where (a SQLite file under instance/; a PostgreSQL URL is
                        dropped and created anew)
    BENCH_REUSE=1       keep the data when the tenant already has BENCH_CONTACTS contacts
    BENCH_SECONDS       load per page and client count (3)
    BENCH_PAGES         only these pages (comma-separated keys: first,deep,search,…)
    BENCH_PORT          our gunicorn's port (8201)
    PEER_DATABASE       the Django peer's database (sqlite:///… or postgresql://…/peer_…);
                        unset: no peer
    PEER_PYTHON         the peer's virtualenv python (/tmp/peer/bin/python; made if missing)
    PEER_DIR            the peer's folder (../shared/bench from the project root)
    PEER_PORT           the peer's port (8101)"""

from __future__ import annotations

import os
import sys
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from app import create_app
from app.config import normalise_database_url
from app.extensions import db
from bench import data, drive, imports, inprocess, report, servers
from bench.pages import Page, our_pages

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = (1, 4)


@dataclass
class Settings:
    url: str
    contacts: int
    seconds: float
    reuse: bool
    pages: list[str]
    port: int
    peer_database: str | None
    peer_python: Path
    peer_dir: Path
    peer_port: int

    @classmethod
    def from_environment(cls) -> Settings:
        env = os.environ.get
        shared = next((p for p in (ROOT.parent / "shared" / "bench",
                                   ROOT.parent.parent / "shared" / "bench") if p.exists()),
                      ROOT.parent / "shared" / "bench")
        return cls(
            url=normalise_database_url(env("BENCH_DATABASE_URL")
                                       or f"sqlite:///{ROOT / 'instance' / 'bench.db'}"),
            contacts=int(env("BENCH_CONTACTS", "100000")),
            seconds=float(env("BENCH_SECONDS", "3")),
            reuse=env("BENCH_REUSE", "") in {"1", "yes", "true"},
            pages=[p for p in env("BENCH_PAGES", "").split(",") if p],
            port=int(env("BENCH_PORT", "8201")),
            peer_database=env("PEER_DATABASE") or None,
            peer_python=Path(env("PEER_PYTHON", "/tmp/peer/bin/python")),
            peer_dir=Path(env("PEER_DIR", str(shared))),
            peer_port=int(env("PEER_PORT", "8101")),
        )


def make_app(url: str) -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                       "RATELIMIT_ENABLED": False,
                       "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}})


def prepare_data(settings: Settings) -> tuple[Flask, float | None]:
    """The app over the benchmark data, and the seconds the rows took (None: reused)."""
    if settings.reuse:
        app = make_app(settings.url)
        if data.existing_contacts(app) == settings.contacts:
            with app.app_context():
                upgrade()  # the schema of this checkout (new indexes …)
            return app, None
        with app.app_context():
            db.engine.dispose()
    data.recreate_database(settings.url)
    app = make_app(settings.url)
    print(f"generating {settings.contacts:,} contacts …", flush=True)
    return app, data.generate(app, settings.contacts)


def cost_pages(app: Flask, pages: list[Page]) -> dict[str, inprocess.PageCost]:
    with app.app_context():
        recorder = inprocess.Recorder(db.engine)
    client = inprocess.client_for(app)
    return {page.key: inprocess.measure(app, client, recorder, page.ours)
            for page in pages if page.ours}


def load_pages(settings: Settings, pages: list[Page]) -> dict[str, dict]:
    """Each page under 1 and 4 clients, ours then the peer's, page after page."""
    ours = f"http://127.0.0.1:{settings.port}"
    peer = f"http://127.0.0.1:{settings.peer_port}"
    script = settings.peer_dir / "load.py"
    results: dict[str, dict] = {}
    with ExitStack() as stack:
        stack.enter_context(servers.ours(settings.url, settings.port))
        if settings.peer_database:
            stack.enter_context(servers.peer(settings.peer_dir, settings.peer_python,
                                             settings.peer_database, settings.peer_port))
        for page in pages:
            row = results.setdefault(page.key, {})
            for clients in CLIENTS:
                if page.ours:
                    row[f"ours_{clients}"] = drive.load(
                        script, ours, "crm", data.ADMIN_EMAIL, data.PASSWORD, page.ours,
                        settings.seconds, clients)
                if settings.peer_database and page.peer:
                    row[f"peer_{clients}"] = drive.load(
                        script, peer, "django", "bench", "bench-pass", page.peer,
                        settings.seconds, clients)
            print(report.progress(page, row), flush=True)
    return results


def main() -> None:
    settings = Settings.from_environment()
    started = time.time()
    app, generation = prepare_data(settings)
    if generation is not None:
        print(f"generated the rows in {generation:.1f} s", flush=True)
    peer_ids = None
    if settings.peer_database:
        peer_ids = servers.prepare_peer(settings.peer_dir, settings.peer_python,
                                        settings.peer_database, settings.contacts)
    pages = [p for p in our_pages(app, settings.contacts, peer_ids)
             if not settings.pages or p.key in settings.pages]
    costs = cost_pages(app, pages)
    machine_load = [os.getloadavg()[0]]  # the machine may be shared: say how busy it was
    loads = load_pages(settings, pages)
    machine_load.append(os.getloadavg()[0])
    slowest = report.slowest(pages, loads)
    plan = inprocess.explain(app, costs[slowest.key].main) if slowest else None
    profile = inprocess.profile(inprocess.client_for(app), slowest.ours) if slowest else None
    print(report.table(settings, pages, costs, loads))
    print(f"load average (1 min) before and after the load: {machine_load[0]:.1f}, "
          f"{machine_load[1]:.1f} on {os.cpu_count()} CPUs")
    if slowest:
        print(f"\nEXPLAIN of the slowest page's main query ({slowest.label}):\n{plan}")
    imported = imports.measure_all()  # the import's rows per second (bench/imports.py)
    result = {"imports": imported,
              "settings": {**asdict(settings), "url": make_url(settings.url).render_as_string(),
                           "peer_python": str(settings.peer_python),
                           "peer_dir": str(settings.peer_dir)},
              "database": make_url(settings.url).get_backend_name(),
              "generation_seconds": generation, "took_seconds": time.time() - started,
              "load_average": machine_load, "cpus": os.cpu_count(),
              "pages": report.rows(pages, costs, loads),
              "slowest": slowest.key if slowest else None, "explain": plan, "profile": profile}
    path = report.save(ROOT / "bench" / "results", result, datetime.now(UTC))
    print(f"\nresults: {path}", file=sys.stderr)
