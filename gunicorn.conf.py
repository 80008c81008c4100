"""gunicorn's settings for Kontakt CRM: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be set from the environment (see docs/deployment.md). Before any
worker starts, app.deployment checks that the configuration suits the number of worker
processes: several processes with rate limits counted in memory, or several machines
with the embedded job queue or files on local disk, are refused with a clear message
and exit status 3."""

import gc
import multiprocessing
import os

from app.config import load_config
from app.deployment import check, default_workers
from app.preload import import_modules

_config = load_config()

bind = os.environ.get("BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY")
              or default_workers(_config, multiprocessing.cpu_count()))
# Threads serve the requests that wait on the database or object storage; one process's
# threads share its memory, rate-limit counts included.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # long work runs as a job
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# A fresh process now and then: whatever a long-lived one accumulates is let go. Not
# too often: each start makes the app and warms its caches again (~0.6 s of CPU with the
# modules imported below, 2.5 s without), and serves its first pages slowly.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "1000"))
# Each worker makes its own app, database pool and S3 client after the fork.
preload_app = False
# ... but the modules it is made of are imported here, once (app.preload).
import_modules()
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"


def on_starting(server) -> None:
    """In the master, before the first worker: refuse an unsafe start."""
    check(_config, workers=server.cfg.workers)


def post_worker_init(worker) -> None:
    """In each worker, once the app is made: what start-up made (a quarter of a million
    objects: the views, templates, catalogs, mappers) is set aside from the garbage
    collector, so that a full collection during a request scans only what requests made
    (it scanned everything: 50–150 ms now and then, in a 25 ms list request)."""
    gc.freeze()
