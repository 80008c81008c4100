"""Long list exports as background jobs: a list export of more rows than
EXPORT_INLINE_LIMIT (views.base.SecureModelView.export_response) submits an
``export_list`` job with the list's endpoint, format, URL arguments (search, filters,
sort, "Jump to") and language. The job rebuilds the very request in the worker — the
same URL, logged in as the user who asked, in the job's tenant — and has the view build
the file as it would in the request, so the rows are exactly the list's (its filters,
its search, what the user may read) and attaches it to the job."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import login_user

from app import jobs
from app.models.job import Job
from app.services.errors import ServiceError
from app.tenancy import tenant_context
from app.views.base import EXPORT_JOB, EXPORT_PROGRESS

LIST_VIEWS = "kontakt_list_views"  # app.extensions: the exportable views by endpoint


def remember_views(app: Flask, views: Iterable[Any]) -> None:
    app.extensions[LIST_VIEWS] = {view.endpoint: view for view in views
                                  if getattr(view, "can_export", False)}


@contextmanager
def _request(app: Flask, job: Job, path: str = "/",
             args: dict[str, list[str]] | None = None) -> Iterator[None]:
    """A request to ``path`` by the job's user, in the job's tenant. A request's end
    forgets the tenant (app.__init__): the outer context gives the job's back."""
    with (tenant_context(job.tenant_id),
          app.test_request_context(path, query_string=args or {}),
          tenant_context(job.tenant_id)):
        login_user(job.user)
        yield


@jobs.kind(EXPORT_JOB, label=_l("Exporting a list"), again=True)
def export_list_job(job: Job, progress: jobs.Progress, endpoint: str, export_type: str,
                    args: dict[str, list[str]], language: str) -> dict:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    view = app.extensions[LIST_VIEWS].get(endpoint)
    if view is None or export_type not in view.export_types or job.user is None:
        raise ServiceError(_l("This list can no longer be exported."))
    with _request(app, job):  # only to name the export's URL
        path = url_for(f"{endpoint}.export", export_type=export_type)
    with _request(app, job, path, args), force_locale(language):
        if not view.is_accessible():
            raise ServiceError(_l("You may no longer export this list."))
        g.setdefault(EXPORT_PROGRESS, progress)
        body = view.export_body(export_type)
        name = view.export_file_name(export_type)
    progress.attach(name, body.encode("utf-8") if isinstance(body, str) else body)
    return {"rows": progress.done}
