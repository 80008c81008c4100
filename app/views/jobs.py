"""Background jobs (app/jobs.py) on the web: the list, a job's progress page (polling
its status with static/kontakt/job_progress.js), the download of its result file and
"Try again" (POST) for a failed job of a kind that allows it.
A user sees their own jobs, an administrator all of the tenant's; another tenant's job
is not found (the session's tenant scoping)."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, jsonify, redirect, send_file, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app import jobs
from app.extensions import db
from app.models.job import DONE, FAILED, QUEUED, RUNNING, Job
from app.transactions import commit_or_refuse
from app.views.attachments import content_disposition
from app.views.base import SecureBaseView
from app.views.screens import flash_refusal, get_or_404

LIST_SIZE = 100  # the newest jobs; older ones are only history

STATE_LABELS = {QUEUED: _l("Waiting"), RUNNING: _l("Running"), DONE: _l("Done"),
                FAILED: _l("Failed")}
# The counts jobs report in their summaries, as people read them.
SUMMARY_LABELS = {"created": _l("Created"), "updated": _l("Updated"),
                  "skipped": _l("Skipped"), "refused": _l("Refused"), "rows": _l("Rows"),
                  "sent": _l("Sent"), "total": _l("Rows"),
                  "organisations_created": _l("Organisations created")}


def may_see(job: Job) -> bool:
    return bool(current_user.is_admin) or job.user_id == current_user.id


def job_or_404(job_id: str) -> Job:
    job = get_or_404(Job, job_id)
    if not may_see(job):
        abort(404)  # not the user's own: as good as not there
    return job


def status_message(job: Job, done: int, total: int | None) -> str:
    """The one line a screen reader announces as the job moves on."""
    if job.state == RUNNING and total:
        return _("Running: %(done)s of %(total)s", done=done, total=total)
    if job.state == RUNNING:
        return _("Running: %(done)s done", done=done)
    if job.state == FAILED:
        return _("Failed: %(error)s", error=job.error or "")
    return str(STATE_LABELS[job.state])


def summary_lines(job: Job) -> list[tuple[str, Any]]:
    return [(str(SUMMARY_LABELS.get(key, key)), value)
            for key, value in (job.summary or {}).items()]


def status_of(job: Job) -> dict[str, Any]:
    done, total = jobs.progress_of(job)
    has_file = jobs.has_result(job)
    return {
        "state": job.state, "finished": job.finished, "done": done, "total": total,
        "percent": jobs.percent(done, total), "message": status_message(job, done, total),
        "summary": job.summary or {}, "summary_lines": summary_lines(job),
        "error": job.error,
        "download_url": url_for("jobs.download", job_id=job.id) if has_file else None,
        "result_name": job.result_name if has_file else None,
        # its file was removed after JOBS_KEEP_DAYS (app/jobs.prune)
        "expired": job.finished and bool(job.result_name) and not job.result_key,
        # the page of the job's kind showing its outcome in full (an import's result)
        "page_url": jobs.page_of(job) if job.finished else None,
        "may_try_again": jobs.may_try_again(job),
    }


class JobsView(SecureBaseView):
    """Reached from the user menu, and from the page that started a job."""

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self):
        query = (select(Job).where(Job.kind.not_in(jobs.unlisted_kinds()))
                 .order_by(Job.created_at.desc(), Job.id.desc()).limit(LIST_SIZE))
        if not current_user.is_admin:
            query = query.where(Job.user_id == current_user.id)
        rows = db.session.scalars(query).all()
        return self.render("kontakt/jobs/list.html", rows=rows, label_of=jobs.label_of,
                           state_labels=STATE_LABELS, progress_of=jobs.progress_of,
                           percent=jobs.percent)

    @expose("/<job_id>/")
    def job_view(self, job_id: str):
        job = job_or_404(job_id)
        return self.render("kontakt/jobs/job.html", job=job, label=jobs.label_of(job.kind),
                           status=status_of(job), again=jobs.kind_allows_again(job.kind),
                           keep_days=current_app.config["JOBS_KEEP_DAYS"])

    @expose("/<job_id>/again", methods=("POST",))
    def again(self, job_id: str) -> Response:
        """A new job with the failed one's params, run as the user asking; its page."""
        job = job_or_404(job_id)
        if not jobs.may_try_again(job):
            flash(_("Only a failed job can be tried again."), "warning")
            return redirect(url_for(".job_view", job_id=job.id))
        user = current_user._get_current_object()
        again = commit_or_refuse(lambda: jobs.submit_again(job, user=user), flash_refusal)
        return redirect(url_for(".job_view", job_id=again.value.id if again else job.id))

    @expose("/<job_id>/status")
    def status(self, job_id: str) -> Response:
        response = jsonify(status_of(job_or_404(job_id)))
        response.cache_control.no_store = True
        return response

    @expose("/<job_id>/download")
    def download(self, job_id: str) -> Response:
        return result_download(job_or_404(job_id))


def result_download(job: Job) -> Response:
    """The job's result file as a download (streamed from the store); 404 without one."""
    if not job.result_name:
        abort(404)
    try:
        stream = jobs.open_result(job)
    except FileNotFoundError:
        abort(404)
    response = send_file(stream, as_attachment=True, download_name=job.result_name,
                         max_age=0)
    response.headers["Content-Disposition"] = content_disposition(job.result_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.cache_control.private = True
    return response
