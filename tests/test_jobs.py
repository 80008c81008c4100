"""Background jobs (app/jobs.py) in the tests' immediate mode: the runner (progress,
summary, failure and refusal rolled back, retries), the job pages and their tenant
isolation, the CLI's inline run with a progress bar, and the hourly housekeeping."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from app import jobs
from app.extensions import db
from app.models import IdempotentRequest, Tag, User
from app.models.base import utcnow
from app.models.job import DONE, FAILED, QUEUED, Job
from app.services.errors import ServiceError
from app.tenancy import tenant_context
from app.transactions import commit_or_refuse
from tests.conftest import login, reload, user_id
from tests.factories import JOB_SEEN, bearer, gen_api_token, gen_job, submit_job

USER = "user@alpha.example"
ADMIN = "admin@alpha.example"


def set_language(tenant_id: int, email: str, language: str) -> None:
    with tenant_context(tenant_id):
        db.session.get(User, user_id(tenant_id, email)).language = language
        db.session.commit()


def tag_names(tenant_id: int) -> list[str]:
    with tenant_context(tenant_id):
        return sorted(db.session.scalars(select(Tag.name)))


def test_a_job_runs_after_the_commit_as_its_user_in_its_tenant(app, tenant_a, tenant_b,
                                                               monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_PROGRESS_EVERY", 0)  # every step reported
    JOB_SEEN.clear()
    job_id = submit_job(tenant_a.id, USER, names=["a", "b", "c"])
    job = reload(Job, tenant_a.id, job_id)
    assert (job.state, job.done, job.total, job.error) == (DONE, 3, 3, None)
    assert job.summary == {"created": 3, "skipped": 0}
    assert job.started_at is not None and job.finished_at is not None
    assert tag_names(tenant_a.id) == ["a", "b", "c"]
    assert tag_names(tenant_b.id) == []
    # while it ran, the web read its progress from the queue's storage, not the row
    assert [seen[1:] for seen in JOB_SEEN] == [
        (tenant_a.id, USER, (1, 3)), (tenant_a.id, USER, (2, 3)), (tenant_a.id, USER, (3, 3))]


def test_a_job_submitted_in_a_refused_transaction_never_runs(app, tenant_a):
    JOB_SEEN.clear()
    with tenant_context(tenant_a.id):
        user = db.session.get(User, user_id(tenant_a.id, USER))

        def submit_then_refuse():
            jobs.submit("test_tags", user=user, names=["never"])
            raise ServiceError("no")

        assert not commit_or_refuse(submit_then_refuse)
        assert db.session.scalar(select(func.count(Job.id))) == 0
    assert JOB_SEEN == []
    assert tag_names(tenant_a.id) == []


def test_an_unexpected_error_fails_the_job_rolls_back_and_hides_the_details(
        app, tenant_a, caplog):
    with caplog.at_level(logging.ERROR, logger="app.jobs"):
        job_id = submit_job(tenant_a.id, USER, names=["a", "b", "c"], fail_at="b",
                            attach=True)
    job = reload(Job, tenant_a.id, job_id)
    assert job.state == FAILED
    # in the language of the tenant (Danish): the user has chosen none
    assert job.error.startswith("Jobbet mislykkedes")
    assert "secret" not in job.error
    assert "secret internals of b" in caplog.text  # …but the log has it
    assert (job.done, job.total, job.result_key) == (2, 3, None)
    assert tag_names(tenant_a.id) == []  # nothing of its work is left
    assert not list(Path(app.config["UPLOAD_FOLDER"]).rglob("*.csv"))  # nor its file


def test_a_refusal_fails_the_job_with_its_translated_reason(app, tenant_a):
    set_language(tenant_a.id, USER, "sv")
    job_id = submit_job(tenant_a.id, USER, names=["a", "b"], refuse_at="a")
    job = reload(Job, tenant_a.id, job_id)
    assert job.state == FAILED
    assert job.error == "Posten står i konflikt med en befintlig post."
    assert tag_names(tenant_a.id) == []


def test_a_job_with_retries_is_run_again_after_an_unexpected_error(app, tenant_a):
    job_id = submit_job(tenant_a.id, USER, kind="test_flaky")
    job = reload(Job, tenant_a.id, job_id)
    assert (job.state, job.summary, job.error) == (DONE, {"sent": 1}, None)


def test_an_ended_job_is_not_run_again(app, tenant_a):
    JOB_SEEN.clear()
    job_id = gen_job(tenant_a.id, USER, params={"names": ["x"]})
    jobs.execute(app, job_id, tenant_a.id)
    assert JOB_SEEN == []
    assert reload(Job, tenant_a.id, job_id).state == DONE


def test_params_must_be_json(app, tenant_a):
    with tenant_context(tenant_a.id):
        user = db.session.get(User, user_id(tenant_a.id, USER))
        try:
            jobs.submit("test_tags", user=user, names=[user])
        except TypeError:
            pass
        else:
            raise AssertionError("an ORM object was accepted as a parameter")
        db.session.rollback()


# --- the pages ------------------------------------------------------------------------

def test_the_progress_page_shows_an_accessible_bar_and_its_script(app, client, tenant_a):
    job_id = gen_job(tenant_a.id, USER, state=QUEUED)
    login(client, USER)
    page = client.get(f"/admin/jobs/{job_id}/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<label for="job-progress-bar">' in html
    assert 'id="job-status" role="status" aria-live="polite"' in html
    assert f'data-status-url="/admin/jobs/{job_id}/status"' in html
    assert "kontakt/job_progress.js" in html and "nonce=" in html


def test_status_and_download_of_a_finished_job(app, client, tenant_a):
    job_id = submit_job(tenant_a.id, USER, names=["ø", "å"], attach=True)
    login(client, USER)
    status = client.get(f"/admin/jobs/{job_id}/status").get_json()
    assert status["state"] == DONE and status["finished"] is True
    assert (status["done"], status["total"], status["percent"]) == (2, 2, 100)
    assert status["summary"] == {"created": 2, "skipped": 0}
    assert status["download_url"] == f"/admin/jobs/{job_id}/download"
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download.data == "ø;å".encode("utf-8-sig")
    assert "filename*=UTF-8''M%C3%A6rker.csv" in download.headers["Content-Disposition"]
    assert download.headers["Content-Security-Policy"] == "sandbox"
    page = client.get(f"/admin/jobs/{job_id}/").get_data(as_text=True)
    assert f'href="/admin/jobs/{job_id}/download"' in page


def test_a_failed_job_shows_its_reason_and_offers_no_download(app, client, tenant_a):
    job_id = submit_job(tenant_a.id, USER, names=["a"], refuse_at="a", attach=True)
    login(client, USER)
    status = client.get(f"/admin/jobs/{job_id}/status").get_json()
    assert status["state"] == FAILED and status["download_url"] is None
    assert status["message"].endswith(status["error"])
    assert client.get(f"/admin/jobs/{job_id}/download").status_code == 404


def test_users_see_their_own_jobs_administrators_the_tenants(app, client, tenant_a,
                                                              tenant_b):
    own = gen_job(tenant_a.id, USER, result=b"mine", result_name="mine.txt")
    admins = gen_job(tenant_a.id, ADMIN, result=b"theirs", result_name="theirs.txt")
    other = gen_job(tenant_b.id, "admin@beta.example", result=b"beta", result_name="b.txt")
    login(client, USER)
    listing = client.get("/admin/jobs/").get_data(as_text=True)
    assert "mine.txt" in listing and "theirs.txt" not in listing and "b.txt" not in listing
    for suffix in ("", "status", "download"):
        assert client.get(f"/admin/jobs/{own}/{suffix}").status_code == 200
        assert client.get(f"/admin/jobs/{admins}/{suffix}").status_code == 404
        assert client.get(f"/admin/jobs/{other}/{suffix}").status_code == 404
    client.post("/logout")
    login(client, ADMIN)
    listing = client.get("/admin/jobs/").get_data(as_text=True)
    assert "mine.txt" in listing and "theirs.txt" in listing and "b.txt" not in listing
    assert client.get(f"/admin/jobs/{own}/download").data == b"mine"
    assert client.get(f"/admin/jobs/{other}/download").status_code == 404
    assert client.get("/admin/jobs/99999999999999999999/").status_code == 404


def test_the_status_answer_is_json_not_cached(app, client, tenant_a):
    job_id = gen_job(tenant_a.id, USER, state=QUEUED)
    set_language(tenant_a.id, USER, "pl")
    login(client, USER)
    response = client.get(f"/admin/jobs/{job_id}/status")
    assert "no-store" in response.headers["Cache-Control"]
    data = json.loads(response.data)
    assert (data["state"], data["percent"], data["download_url"]) == (QUEUED, None, None)
    assert data["message"] == "Oczekuje"


# --- the CLI --------------------------------------------------------------------------

def test_run_here_runs_in_this_process_with_a_terminal_progress_bar(app, tenant_a):
    out = io.StringIO()
    with tenant_context(tenant_a.id):
        user = db.session.get(User, user_id(tenant_a.id, USER))
    job = jobs.run_here("test_tags", user=user,
                        progress=jobs.TerminalProgress("Tags", file=out), names=["x", "y"])
    assert (job.state, job.done, job.total) == (DONE, 2, 2)
    assert "Tags" in out.getvalue() and "2/2" in out.getvalue()
    assert tag_names(tenant_a.id) == ["x", "y"]


def test_the_worker_command_refuses_immediate_mode(app):
    result = app.test_cli_runner().invoke(args=["crm", "worker"])
    assert result.exit_code != 0
    assert "immediate" in result.output


# --- the hourly housekeeping ----------------------------------------------------------

def idempotency_keys(tenant_id: int) -> list[str]:
    with tenant_context(tenant_id):
        return sorted(db.session.scalars(select(IdempotentRequest.key)))


def test_the_hourly_housekeeping_removes_expired_idempotency_answers(
        app, client, tenant_a, tenant_b, monkeypatch):
    """Every tenant's, also of tokens no longer used (a token's own POSTs clear only
    its own); a key pruned may be used again."""
    monkeypatch.setitem(app.config, "IDEMPOTENCY_KEEP_HOURS", 6)
    tokens = {tenant_a.id: gen_api_token(tenant_a.id, USER),
              tenant_b.id: gen_api_token(tenant_b.id, "user@beta.example")}
    for tenant_id, token in tokens.items():
        for key in ("old", "recent"):
            response = client.post("/api/v1/tags", json={"name": f"{key}-{tenant_id}"},
                                   headers=bearer(token, **{"Idempotency-Key": key}))
            assert response.status_code == 201, response.json
        with tenant_context(tenant_id):
            db.session.execute(update(IdempotentRequest).where(IdempotentRequest.key == "old")
                               .values(created_at=utcnow() - timedelta(hours=7)))
            db.session.commit()
    huey = jobs.queue().huey
    [housekeeping] = [task for task in huey.read_periodic(datetime(2027, 1, 4, 10, 7))
                      if task.name == "prune_jobs"]
    huey.execute(housekeeping)
    assert idempotency_keys(tenant_a.id) == idempotency_keys(tenant_b.id) == ["recent"]
    again = client.post("/api/v1/tags", json={"name": "new"},
                        headers=bearer(tokens[tenant_a.id], **{"Idempotency-Key": "old"}))
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    result = app.test_cli_runner().invoke(args=["crm", "prune-jobs"])
    assert "Removed 0 API answers kept for an Idempotency-Key over 6 hours." in result.output
