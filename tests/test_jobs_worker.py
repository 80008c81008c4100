"""The real task queue: an app on Redis (127.0.0.1:6379, or TEST_REDIS_URL) — and on
the embedded SQLite queue of `make run` — a Huey consumer with worker threads in this
process, a job submitted through the web and followed on its status URL until it is
done. Each test session has its own queue name, so test runs side by side never take
each other's tasks."""

from __future__ import annotations

import os
import time
import uuid

import pytest
import redis
from flask import redirect, url_for
from flask_login import current_user, login_required

from app import jobs
from app.extensions import db
from app.models import User
from app.tenancy import tenant_context
from app.transactions import commit_or_refuse
from tests.conftest import login, make_app, user_id
from tests.factories import JOB_SEEN

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
QUEUE = f"kontakt-test-{uuid.uuid4().hex[:12]}"
PATIENCE = 60  # seconds a job may take before the test gives up on the worker


def _redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


REDIS = pytest.param("redis", marks=pytest.mark.skipif(
    not _redis_reachable(), reason=f"Redis cannot be reached at {REDIS_URL}"))


@pytest.fixture(scope="module", params=[REDIS, "sqlite"])
def queue_app(request, app, database_url, tmp_path_factory):
    """A second app on the tests' database, its jobs on a real queue, with a page that
    starts a job as the views will (submit, commit, redirect to the progress page)."""
    folder = tmp_path_factory.mktemp("worker")
    queue_app = make_app(database_url, JOBS_BACKEND=request.param, REDIS_URL=REDIS_URL,
                         JOBS_QUEUE=QUEUE, JOBS_SQLITE_PATH=str(folder / "jobs.db"),
                         JOBS_PROGRESS_EVERY=0, UPLOAD_FOLDER=str(folder / "uploads"))

    @queue_app.post("/test-start-job")
    @login_required
    def start_job():
        user = current_user._get_current_object()
        job = commit_or_refuse(lambda: jobs.submit(
            "test_tags", user=user, names=["Nord", "Syd", "Øst"], attach=True)).value
        return redirect(url_for("jobs.job_view", job_id=job.id))

    yield queue_app
    queue_app.extensions["jobs"].huey.flush()  # this session's queue and progress keys


@pytest.fixture
def worker(queue_app):
    consumer = jobs.start_consumer(queue_app, workers=2)
    yield consumer
    consumer.stop(graceful=True)


def wait_until_finished(client, status_url: str) -> dict:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        status = client.get(status_url).get_json()
        if status["finished"]:
            return status
        time.sleep(0.1)
    raise AssertionError(f"the worker did not finish the job in {PATIENCE} s: {status}")


def test_the_worker_runs_a_job_submitted_through_the_web(queue_app, worker, tenant_a):
    JOB_SEEN.clear()
    client = queue_app.test_client()
    assert login(client, "user@alpha.example").status_code == 302
    started = client.post("/test-start-job")
    assert started.status_code == 302
    page_url = started.headers["Location"]
    page = client.get(page_url)
    assert page.status_code == 200 and 'role="status"' in page.get_data(as_text=True)
    status = wait_until_finished(client, f"{page_url}status")
    assert status["state"] == "done", status
    assert (status["done"], status["total"], status["percent"]) == (3, 3, 100)
    assert status["summary"] == {"created": 3, "skipped": 0}
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download.data == "Nord;Syd;Øst".encode("utf-8-sig")
    # run by a worker thread, as the user who asked, in the user's tenant, its
    # progress readable while it ran
    assert [seen[1:] for seen in JOB_SEEN] == [
        (tenant_a.id, "user@alpha.example", (n, 3)) for n in (1, 2, 3)]


def test_the_worker_reports_a_failure(queue_app, worker, tenant_a):
    client = queue_app.test_client()
    login(client, "user@alpha.example")
    with queue_app.app_context(), tenant_context(tenant_a.id):
        user = db.session.get(User, user_id(tenant_a.id, "user@alpha.example"))
        job_id = commit_or_refuse(lambda: jobs.submit(
            "test_tags", user=user, names=["a", "b"], refuse_at="b")).value.id
    status = wait_until_finished(client, f"/admin/jobs/{job_id}/status")
    assert status["state"] == "failed"
    assert status["error"] == "Posten er i konflikt med en eksisterende post."
    assert (status["done"], status["total"], status["download_url"]) == (2, 2, None)
