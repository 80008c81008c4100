"""Background jobs on the Huey task queue: imports, large exports, e-mail sending and
GDPR exports run here, not in the request.

A job kind is a function registered with :func:`kind`; :func:`submit` adds a ``Job``
row to the session and, once the caller has committed it, enqueues the task that runs
it (in a worker: ``flask --app wsgi crm worker``, or ``make run``'s own). The runner
sets the job's tenant, loads its user, hands the function a :class:`Progress` and
commits the function's work when it returns, or rolls it back and marks the job failed
with a translated message when it raises. :func:`run_here` runs the same function in
this process (the CLI) with a :class:`TerminalProgress`.

Backends (``JOBS_BACKEND``): ``redis`` (``REDIS_URL``; production), ``sqlite`` (an
embedded queue in ``instance/jobs.db``; the default without ``REDIS_URL``) and
``immediate`` (a job runs right after the commit that submitted it; the tests).
Progress lives in Huey's key/value storage, outside the app database, so a job holding
one long transaction still shows how far it is.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import click
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.api import Huey, TaskWrapper
from huey.consumer import Consumer
from huey.exceptions import RetryTask
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app.config import jobs_backend
from app.extensions import db
from app.models.base import utcnow
from app.models.job import DONE, FAILED, QUEUED, RUNNING, Job
from app.models.user import User
from app.services import idempotency, storage, webhooks
from app.services.imports import uploads
from app.services.settings import tenant_language
from app.tenancy import all_tenants, tenant_context
from app.transactions import commit_or_refuse

log = logging.getLogger(__name__)

RESULTS = "job-results"  # the storage folder of result files (services.storage)
PENDING = "kontakt_jobs_to_enqueue"  # session.info key: jobs waiting for the commit

JobFunction = Callable[..., dict[str, Any] | None]


# A number of a kind (retries, their delay): given, or the name of the app's setting.
Setting = int | str


@dataclass(frozen=True)
class Kind:
    name: str
    function: JobFunction
    label: Any  # a lazy translated text
    retries: Setting = 0
    retry_delay: Setting = 0
    again: bool = False  # a failed one may be tried again from its page (same params)
    listed: bool = True  # on the jobs page (a webhook's deliveries have their own log)
    # The page showing what a job of this kind came to (beside its own page), if any.
    page: Callable[[Job], str | None] | None = None


_kinds: dict[str, Kind] = {}


def kind(name: str, *, label: Any, retries: Setting = 0, retry_delay: Setting = 0,
         again: bool = False, listed: bool = True,
         page: Callable[[Job], str | None] | None = None,
         ) -> Callable[[JobFunction], JobFunction]:
    """Register a job kind: ``function(job, progress, **params) -> summary | None``.
    ``retries``/``retry_delay`` may name a setting (``"MAIL_RETRIES"``), read when a job
    is enqueued; ``again``: its page offers "Try again" when it failed; ``page``: the
    URL of the page showing a job's outcome in full (the job's page links to it)."""
    def register(function: JobFunction) -> JobFunction:
        _kinds[name] = Kind(name, function, label, retries, retry_delay, again, listed, page)
        return function
    return register


def _setting(value: Setting) -> int:
    return int(current_app.config[value]) if isinstance(value, str) else value


def unlisted_kinds() -> list[str]:
    """The kinds the jobs page leaves out."""
    return [name for name, found in _kinds.items() if not found.listed]


def kind_allows_again(kind_name: str) -> bool:
    found = _kinds.get(kind_name)
    return found is not None and found.again


def may_try_again(job: Job) -> bool:
    """A failed job whose kind may run again with the same params."""
    return job.state == FAILED and kind_allows_again(job.kind)


class Unfinished(Exception):  # noqa: N818 - an outcome, not an error of the program
    """Raised by a job function that could not do what it was asked, but whose work so
    far is kept (e.g. an e-mail recorded as not sent, with why): the job fails with
    this message and its work is committed."""


class TryLater(Exception):  # noqa: N818 - an outcome, not an error of the program
    """Raised by a job function whose work so far is kept and that is to run again in
    ``delay`` seconds (a webhook receiver that failed, or one waiting its turn): the job
    is queued again with this message, its retries for unexpected failures untouched.
    ``delay`` None: the kind's retry delay."""

    def __init__(self, message: str, delay: float | None = None) -> None:
        super().__init__(message)
        self.delay = delay


class RolledBack(Exception):  # noqa: N818 - an outcome, not an error of the program
    """Raised by a job function whose work must not be kept but whose report must
    (an all-or-nothing import with refused rows): its work is rolled back and the job
    fails with this message, keeping ``summary`` and the file it attached (written
    to the file store, outside the rolled-back transaction)."""

    def __init__(self, message: str, summary: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.summary = dict(summary or {})


def page_of(job: Job) -> str | None:
    """The URL of the page showing what the job came to, if its kind has one."""
    found = _kinds.get(job.kind)
    return found.page(job) if found is not None and found.page is not None else None


def label_of(kind_name: str) -> str:
    """The kind's name for people; the bare name for a kind this version no longer has."""
    found = _kinds.get(kind_name)
    return str(found.label) if found is not None else kind_name


# --- progress -------------------------------------------------------------------------

class Progress:
    """What a job function reports: how much there is, how much is done, and its result
    file. Subclasses say where the numbers go."""

    def __init__(self) -> None:
        self.done = 0
        self.count: int | None = None
        self.result_name: str | None = None
        self.result_key: str | None = None
        # How many more times the queue runs the job when this attempt fails
        # unexpectedly: a job that retries itself knows its last attempt.
        self.retries_left = 0
        self.again: TryLater | None = None  # the job asked to run again later

    def total(self, n: int | None) -> None:
        self.count = n
        self.report(force=True)

    def advance(self, k: int = 1) -> None:
        self.done += k
        self.report()

    def attach(self, filename: str, data: storage.Data) -> None:
        """The job's result file (bytes, or a stream read in chunks), offered for
        download when the job has ended."""
        self.discard()  # a second attachment replaces the first
        suffix = Path(filename).suffix.lower()
        if not re.fullmatch(r"\.[a-z0-9]{1,5}", suffix):
            suffix = ".bin"
        key = storage.new_name(suffix)
        storage.save(RESULTS, key, data)
        self.result_name, self.result_key = filename, key

    def discard(self) -> None:
        """Remove the attached file (a failed job's work is undone, its file too)."""
        storage.delete(RESULTS, self.result_key)
        self.result_name = self.result_key = None

    def report(self, force: bool = False) -> None:
        """Make the numbers visible (override)."""

    def finish(self) -> None:
        """The job has ended; its numbers are in its row now (override)."""


def _progress_key(job_id: int) -> str:
    return f"job-progress:{job_id}"


class StoredProgress(Progress):
    """Progress written to the queue's key/value storage (readable by the web while the
    job's transaction is still open), at most every ``every`` seconds: a job advancing
    row by row must not spend its time telling so."""

    def __init__(self, huey: Huey, job_id: int, every: float = 0.25) -> None:
        super().__init__()
        self.huey, self.job_id, self.every = huey, job_id, every
        self._last = 0.0

    def report(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= self.every or self.done == self.count:
            self._last = now
            self.huey.put(_progress_key(self.job_id), {"done": self.done,
                                                       "total": self.count})

    def finish(self) -> None:
        self.huey.delete(_progress_key(self.job_id))


class TerminalProgress(Progress):
    """A progress bar on the terminal (click's), for jobs the CLI runs itself."""

    def __init__(self, label: str = "", file: Any = None) -> None:
        super().__init__()
        self.label, self.file = label, file
        self._bar: Any = None

    def total(self, n: int | None) -> None:
        self.count = n
        if n is not None and self._bar is None:
            self._bar = click.progressbar(length=n, label=self.label, file=self.file,
                                          show_pos=True)
            self._bar.__enter__()
            self._bar.update(self.done)

    def advance(self, k: int = 1) -> None:
        self.done += k
        if self._bar is not None:
            self._bar.update(k)

    def finish(self) -> None:
        if self._bar is not None:
            stream = self.file or sys.stdout
            hidden = not stream.isatty()  # not a terminal: click draws no bar
            self._bar.__exit__(None, None, None)
            self._bar = None
            if hidden:
                click.echo(f"{self.label}: {self.done}/{self.count}", file=self.file)


# --- the queue ------------------------------------------------------------------------

@dataclass
class JobQueue:
    """The app's Huey instance and the one task that runs jobs."""

    app: Flask
    huey: Huey
    task: TaskWrapper
    backend: str


def _make_huey(config: dict[str, Any], backend: str) -> Huey:
    name = config["JOBS_QUEUE"]
    # results=False: the outcome of a job is its row, not a stored task result.
    if backend == "redis":
        return RedisHuey(name, url=config["REDIS_URL"], results=False)
    if backend == "sqlite":
        path = Path(config["JOBS_SQLITE_PATH"])
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(path), results=False)
    return MemoryHuey(name, immediate=True, results=False)


def init_app(app: Flask) -> None:
    backend = jobs_backend(app.config)
    huey = _make_huey(app.config, backend)

    @huey.task(context=True, name="run_job")
    def run_job(job_id: int, tenant_id: int, task: Any = None) -> None:
        execute(app, job_id, tenant_id, retries_left=task.retries if task else 0)

    _prune_periodically(app, huey)
    app.extensions["jobs"] = JobQueue(app, huey, run_job, backend)
    if not event.contains(Session, "after_commit", _enqueue_committed):
        event.listen(Session, "after_commit", _enqueue_committed)
        event.listen(Session, "after_rollback", _forget_pending)


def queue() -> JobQueue:
    return current_app.extensions["jobs"]


# --- submitting -----------------------------------------------------------------------

def _new_job(kind_name: str, user: User, params: dict[str, Any]) -> Job:
    if kind_name not in _kinds:
        raise KeyError(f"no job kind {kind_name!r}")
    json.dumps(params)  # params travel as JSON: ids and names, never ORM objects
    job = Job(kind=kind_name, user_id=user.id, user=user, tenant_id=user.tenant_id,
              params=params, state=QUEUED)
    db.session.add(job)
    db.session.flush()
    return job


def submit(kind_name: str, *, user: User, **params: Any) -> Job:
    """Add a job to the session; it is enqueued once the caller commits."""
    job = _new_job(kind_name, user, params)
    db.session.info.setdefault(PENDING, []).append((job.id, job.tenant_id, kind_name))
    return job


def submit_again(job: Job, *, user: User) -> Job:
    """A new job of a failed one's kind and params, run as ``user`` (who asked again)."""
    if not may_try_again(job):
        raise ValueError(f"{job!r} may not be tried again")
    return submit(job.kind, user=user, **job.params)


def _enqueue_committed(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    for job_id, tenant_id, kind_name in pending or ():
        found = _kinds[kind_name]
        job_queue = queue()
        job_queue.huey.enqueue(job_queue.task.s(
            job_id, tenant_id, retries=_setting(found.retries),
            retry_delay=_setting(found.retry_delay)))


def _forget_pending(session: Session) -> None:
    session.info.pop(PENDING, None)  # rolled back: those jobs were never saved


# --- running --------------------------------------------------------------------------

def execute(app: Flask, job_id: int, tenant_id: int, retries_left: int = 0) -> None:
    """The task: run a job in its own app context (its own database session)."""
    with app.app_context(), tenant_context(tenant_id):
        job = db.session.get(Job, job_id)
        if job is None or job.finished:
            log.warning("Job %s is gone or has ended; not run again", job_id)
            return
        progress = StoredProgress(app.extensions["jobs"].huey, job.id,
                                  app.config["JOBS_PROGRESS_EVERY"])
        run(job, progress, retries_left)


@contextmanager
def _in_language_of(job: Job) -> Iterator[None]:
    user = job.user
    with force_locale((user.language if user else None) or tenant_language()):
        yield


def run(job: Job, progress: Progress, retries_left: int = 0) -> Job:
    """Run a queued job here and now (its tenant already current); returns it ended
    (or queued again when it failed unexpectedly and has retries left)."""
    found = _kinds.get(job.kind)
    with ExitStack() as stack:
        stack.enter_context(_in_language_of(job))
        stack.callback(progress.finish)
        progress.retries_left = retries_left
        _record(job, state=RUNNING, started_at=utcnow(), error=None)
        if found is None or job.user is None or not job.user.is_active:
            return _fail(job, progress, _("This job can no longer be run."))
        try:
            outcome = commit_or_refuse(lambda: _work(job, found, progress))
        except RolledBack as undone:
            db.session.rollback()
            return _record(job, state=FAILED, error=str(undone), summary=undone.summary,
                           finished_at=utcnow(), done=progress.done, total=progress.count,
                           result_name=progress.result_name, result_key=progress.result_key)
        except Exception:  # noqa: BLE001 - the user gets a message, the log the error
            log.exception("Job %s (%s) failed", job.id, job.kind)
            db.session.rollback()
            if retries_left:
                return _again_later(job, progress)
            return _fail(job, progress, _("The job failed. Please try again; if it fails "
                                          "again, tell your administrator."))
        if not outcome:
            return _fail(job, progress, str(outcome.refusal))
    if progress.again is not None:  # its work committed: Huey runs the task again
        raise RetryTask(delay=progress.again.delay)
    return job


def _work(job: Job, found: Kind, progress: Progress) -> Job:
    try:
        summary = found.function(job, progress, **job.params)
    except Unfinished as unfinished:
        progress.discard()
        job.state, job.error, job.summary = FAILED, str(unfinished), {}
    except TryLater as again:
        progress.again = again
        job.state, job.error = QUEUED, str(again)
        return job
    else:
        job.summary = dict(summary or {})
        job.state = DONE
    job.finished_at = utcnow()
    job.done, job.total = progress.done, progress.count
    job.result_name, job.result_key = progress.result_name, progress.result_key
    return job


def _record(job: Job, **values: Any) -> Job:
    """The job's own bookkeeping, committed apart from its work."""
    def update() -> Job:
        for name, value in values.items():
            setattr(job, name, value)
        return job
    return commit_or_refuse(update).value


def _fail(job: Job, progress: Progress, message: str) -> Job:
    progress.discard()
    return _record(job, state=FAILED, error=message, finished_at=utcnow(),
                   done=progress.done, total=progress.count)


def _again_later(job: Job, progress: Progress) -> Job:
    """Back in the queue; Huey runs the task again after the kind's retry delay."""
    progress.discard()
    _record(job, state=QUEUED, error=_("The job failed and will be tried again."))
    raise RetryLater(job.id)


class RetryLater(RuntimeError):
    """Raised to Huey so that it runs the task again (the job is queued again)."""


def run_here(kind_name: str, *, user: User, progress: Progress | None = None,
             **params: Any) -> Job:
    """Run a job in this process (the CLI), recorded like any other; returns it ended."""
    if user.tenant_id is None:
        raise ValueError("jobs run in a tenant; a platform operator has none")
    with tenant_context(user.tenant_id):
        job = commit_or_refuse(lambda: _new_job(kind_name, user, params)).value
        return run(job, progress or TerminalProgress(label_of(kind_name)))


# --- reading --------------------------------------------------------------------------

def progress_of(job: Job) -> tuple[int, int | None]:
    """(done, total) of a job: the queue's running numbers while it runs."""
    if job.state == RUNNING:
        stored = queue().huey.get(_progress_key(job.id), peek=True)
        if stored:
            return int(stored["done"]), stored["total"]
    return job.done, job.total


def percent(done: int, total: int | None) -> int | None:
    if not total:
        return None
    return max(0, min(100, round(100 * done / total)))


def has_result(job: Job) -> bool:
    """Whether the job has ended with a result file to download (a job that failed
    keeps one only when it said so: :class:`RolledBack`)."""
    return (job.finished and bool(job.result_name)
            and storage.exists(RESULTS, job.result_key, job.tenant_id))


def open_result(job: Job) -> IO[bytes]:
    """The job's result file as a stream; FileNotFoundError when there is none."""
    if not job.finished or not job.result_name:
        raise FileNotFoundError(job.result_key)
    return storage.open(RESULTS, job.result_key, job.tenant_id)


# --- pruning --------------------------------------------------------------------------

def prune(keep_days: int) -> int:
    """Remove the result files of the jobs (of every tenant) that ended more than
    ``keep_days`` ago; their rows stay, as history, without a download. Uploaded
    import files (and their plans) stored as long ago go too. The caller commits.
    Returns how many files were removed."""
    cutoff = utcnow() - timedelta(days=keep_days)
    ended = (Job.finished_at < cutoff, Job.result_key.is_not(None))
    with all_tenants():
        rows = db.session.execute(select(Job.tenant_id, Job.result_key).where(*ended)).all()
    for tenant_id, key in rows:
        with tenant_context(tenant_id):  # the files are in their tenant's folder
            storage.delete(RESULTS, key)
    with all_tenants():
        db.session.execute(update(Job).where(*ended).values(result_key=None))
    return len(rows) + uploads.prune(cutoff)


@dataclass(frozen=True)
class Pruned:
    """How much the housekeeping removed."""

    files: int  # jobs' result files and uploaded import files
    deliveries: int  # webhook deliveries past WEBHOOK_LOG_DAYS
    answers: int  # API answers kept for an Idempotency-Key, past IDEMPOTENCY_KEEP_HOURS


def prune_everything(keep_days: int | None = None) -> Pruned:
    """The housekeeping: old jobs' files (:func:`prune`, after ``keep_days`` or
    JOBS_KEEP_DAYS), old webhook deliveries and expired idempotency answers, of every
    tenant. The caller commits."""
    config = current_app.config
    return Pruned(files=prune(config["JOBS_KEEP_DAYS"] if keep_days is None else keep_days),
                  deliveries=webhooks.prune(int(config["WEBHOOK_LOG_DAYS"])),
                  answers=idempotency.prune())


def _prune_periodically(app: Flask, huey: Huey) -> None:
    """The worker does the housekeeping once an hour by itself (``crm prune-jobs``
    does the same on demand)."""
    @huey.periodic_task(crontab(minute="7"), name="prune_jobs")
    def prune_jobs() -> None:
        with app.app_context():
            pruned = commit_or_refuse(prune_everything).value
            log.info("Removed %s result files of old jobs, %s old webhook deliveries and "
                     "%s expired idempotency answers", pruned.files, pruned.deliveries,
                     pruned.answers)


# --- workers --------------------------------------------------------------------------

def consumer(app: Flask, workers: int = 2) -> Consumer:
    """A Huey consumer of the app's queue, with threads as workers."""
    job_queue: JobQueue = app.extensions["jobs"]
    if job_queue.backend == "immediate":
        raise RuntimeError("JOBS_BACKEND=immediate runs jobs at once: there is no worker")
    # SIGTERM (systemd, docker, make run) stops gracefully: running jobs may finish
    # within a minute rather than being left "running" with their work rolled back.
    return job_queue.huey.create_consumer(workers=workers, worker_type="thread",
                                          initial_delay=0.05, max_delay=1.0,
                                          graceful_signal="TERM", shutdown_timeout=60)


def start_consumer(app: Flask, workers: int = 2) -> Consumer:
    """Start a consumer's threads in this process (no signal handlers: the caller
    stops it with ``consumer.stop(graceful=True)``)."""
    started = consumer(app, workers)
    started.scheduler.start()
    for _worker, thread in started.worker_threads:
        thread.start()
    return started

