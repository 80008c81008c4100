"""The import screen (administrators): upload a file → map its columns to fields →
preview the first rows with their checks → import, as a background job (app.jobs:
``import_contacts`` / ``import_organisations``) whose page shows its progress → the
result, with the refused rows and their error file. The file waits in the tenant's
file store under an opaque token (services.imports.uploads) between the steps.

All or nothing: when a row of an import in mode ``all`` is refused, the job's work is
rolled back (jobs.RolledBack), while its result (in the upload's plan and the job's
summary) and its error file (attached to the job) are kept in the file store, outside
the rolled-back transaction."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from app import jobs
from app.extensions import db
from app.forms import TranslatedFlaskForm
from app.models.job import Job
from app.services.errors import FieldErrors, ServiceError
from app.services.imports import mapping, reading, runner, uploads
from app.services.imports.errorfile import reason_header
from app.services.imports.rows import Reader
from app.transactions import commit_or_refuse
from app.views.base import ADMIN, SecureBaseView
from app.views.jobs import result_download
from app.views.screens import flash_refusal

PREVIEW_ROWS = 20
SAMPLES = 3
KIND_CHOICES = [(mapping.CONTACTS, _l("Contacts")),
                (mapping.ORGANISATIONS, _l("Organisations"))]


class UploadForm(TranslatedFlaskForm):
    file = FileField(_l("File (CSV, XLSX or vCard)"), validators=[FileRequired()],
                     render_kw={"accept": reading.ACCEPTED_EXTENSIONS})
    kind = SelectField(_l("The file holds"), choices=KIND_CHOICES)


class RunForm(TranslatedFlaskForm):
    mode = SelectField(_l("When rows are refused"), choices=[
        (runner.MODE_GOOD_ROWS, _l("Import the good rows, report the refused ones")),
        (runner.MODE_ALL, _l("Import nothing unless every row is good"))])
    on_match = SelectField(_l("When a row matches an existing record"), choices=[
        (runner.ON_MATCH_SKIP, _l("Skip the row")),
        (runner.ON_MATCH_UPDATE, _l("Update the record with the row's values"))])


class ImportView(SecureBaseView):
    access = ADMIN

    @expose("/", methods=["GET", "POST"])
    def index(self):
        form = UploadForm()
        if form.validate_on_submit():
            upload = form.file.data
            token = uploads.keep(upload, {"kind": form.kind.data,
                                          "filename": upload.filename or ""})
            try:
                with self._source(token):
                    pass
            except ServiceError as exc:
                form.file.errors = [str(exc)]
            else:
                return redirect(url_for(".columns", token=token))
        return self.render("kontakt/import_upload.html", form=form)

    @contextmanager
    def _source(self, token: str) -> Iterator[reading.Source]:
        try:
            with uploads.source(token) as source:
                yield source
        except FileNotFoundError:
            abort(404)

    def _plan(self, token: str) -> dict:
        if not uploads.exists(token):
            abort(404)
        return uploads.plan(token)

    @expose("/<token>/columns", methods=["GET", "POST"])
    def columns(self, token: str):
        plan = self._plan(token)
        with self._source(token) as source:
            headers = source.headers
            samples = [row.cells for row in islice(source.rows(), SAMPLES)]
        kind = plan["kind"]
        form = TranslatedFlaskForm()
        if request.method == "POST" and form.validate_on_submit():
            chosen = [request.form.get(f"column_{i}", "") for i in range(len(headers))]
            name = request.form.get("mapping_name", "").strip()
            if commit_or_refuse(lambda: _keep_mapping(kind, headers, chosen, name),
                                flash_refusal):
                uploads.save_plan(token, {**plan, "columns": chosen})
                if name:
                    flash(_("The mapping was saved as %(name)s.", name=name), "success")
                return redirect(url_for(".preview", token=token))
            columns = chosen
        else:
            columns = self._columns(kind, headers, plan)
        return self.render("kontakt/import_columns.html", form=form, token=token, plan=plan,
                           headers=headers, columns=columns, samples=samples,
                           fields=mapping.fields(kind), saved=mapping.saved(kind),
                           sample_text=_sample_text)

    @staticmethod
    def _columns(kind: str, headers: list[str], plan: dict) -> list[str]:
        name = request.args.get("mapping")
        if name:
            try:
                return mapping.apply(mapping.by_name(kind, name), headers)
            except ServiceError as exc:
                flash_refusal(exc)
        if len(plan.get("columns") or []) == len(headers):
            return plan["columns"]
        return mapping.guess(kind, headers)

    @expose("/<token>/preview")
    def preview(self, token: str):
        plan = self._plan(token)
        if "columns" not in plan:
            return redirect(url_for(".columns", token=token))
        reader = Reader(plan["kind"], plan["columns"])
        labels = {f.key: str(f.label) for f in mapping.fields(plan["kind"])}
        with self._source(token) as source:
            rows = [(row, _check(reader, row, labels))
                    for row in islice(source.rows(), PREVIEW_ROWS)]
            shown = [(i, header) for i, header in enumerate(source.headers)
                     if plan["columns"][i]]
        return self.render("kontakt/import_preview.html", token=token, plan=plan, rows=rows,
                           shown=shown, labels=labels, form=RunForm(),
                           sample_text=_sample_text)

    @expose("/<token>/run", methods=["POST"])
    def run(self, token: str):
        plan = self._plan(token)
        form = RunForm()
        if "columns" not in plan or not form.validate_on_submit():
            abort(400)
        user = current_user._get_current_object()

        def submit() -> Job:
            job = jobs.submit(JOB_KINDS[plan["kind"]], user=user, token=token,
                              mode=form.mode.data, on_match=form.on_match.data)
            # before the commit: the job may run (and write its result) right after it
            uploads.save_plan(token, {**_without_result(plan), "job_id": job.id})
            return job

        submitted = commit_or_refuse(submit, flash_refusal)
        if not submitted:
            return redirect(url_for(".preview", token=token))
        return redirect(url_for("jobs.job_view", job_id=submitted.value.id))

    @expose("/<token>/result")
    def result(self, token: str):
        plan = self._plan(token)
        if "result" not in plan:
            if plan.get("job_id"):  # still under way: its progress
                return redirect(url_for("jobs.job_view", job_id=plan["job_id"]))
            return redirect(url_for(".preview", token=token))
        job = _job_of(plan)
        return self.render("kontakt/import_result.html", token=token, plan=plan,
                           result=plan["result"],
                           has_errors=job is not None and jobs.has_result(job))

    @expose("/<token>/errors.csv")
    def errors(self, token: str):
        """The error file: the import job's result file."""
        job = _job_of(self._plan(token))
        if job is None:
            abort(404)
        return result_download(job)


JOB_KINDS = {mapping.CONTACTS: "import_contacts", mapping.ORGANISATIONS: "import_organisations"}


def _without_result(plan: dict) -> dict:
    return {key: value for key, value in plan.items() if key not in ("result", "job_id")}


def _job_of(plan: dict) -> Job | None:
    """The job that imported the upload (the tenant's own: the session is scoped)."""
    return db.session.get(Job, plan["job_id"]) if plan.get("job_id") else None


def _result_page(job: Job) -> str | None:
    return url_for("imports.result", token=job.params["token"])


@jobs.kind("import_contacts", label=_l("Importing contacts"), page=_result_page)
@jobs.kind("import_organisations", label=_l("Importing organisations"), page=_result_page)
def import_job(job: Job, progress: jobs.Progress, token: str, mode: str,
               on_match: str) -> dict[str, Any]:
    """Import an upload as the job's user; see the module's description."""
    plan = uploads.plan(token)
    assert job.user is not None  # the runner runs only a job whose user is active
    if "columns" not in plan or JOB_KINDS.get(plan.get("kind", "")) != job.kind:
        raise ServiceError(_l("The uploaded file is gone. Upload it again."))

    def report(done: int, total: int) -> None:
        if progress.count != total:
            progress.total(total)
        progress.advance(done - progress.done)

    with uploads.source(token) as source, tempfile.TemporaryDirectory() as folder:
        errors = Path(folder) / "errors.csv"
        import_plan = runner.ImportPlan(plan["kind"], source, plan["columns"], mode=mode,
                                        on_match=on_match, errors_path=errors)
        try:
            result = runner.run_import(import_plan, job.user, report)
        except runner.ImportRefused as refused:
            result = refused.result
        if result.refused:  # stored now: kept when the work is rolled back
            with errors.open("rb") as stream:
                progress.attach(_error_file_name(plan), stream)
    uploads.save_plan(token, {**plan, "job_id": job.id, "result": {
        **result.summary(), "rolled_back": result.rolled_back,
        "errors": [[e.line, e.reasons] for e in result.errors]}})
    summary = {key: value for key, value in result.summary().items() if key != "total"}
    if result.rolled_back:
        raise jobs.RolledBack(ngettext("Nothing was imported: %(num)d row was refused.",
                                       "Nothing was imported: %(num)d rows were refused.",
                                       result.refused), summary)
    return summary


def _error_file_name(plan: dict) -> str:
    stem = (plan.get("filename") or "import").rsplit(".", 1)[0] or "import"
    return f"{stem}-{reason_header().lower()}.csv".replace(" ", "-")


def _keep_mapping(kind: str, headers: list[str], columns: list[str], name: str) -> None:
    mapping.checked(kind, columns)
    if name:
        mapping.save(kind, name, headers, columns)


def _check(reader: Reader, row: reading.Row, labels: dict[str, str]) -> list[str]:
    """The row's refusals as the import would give them (before matching)."""
    try:
        reader.read(row.line, row.cells)
    except FieldErrors as exc:
        return [f"{labels.get(name, '')}: {message}".lstrip(": ")
                for name, message in exc.errors.items()]
    except ServiceError as exc:
        return [str(exc)]
    return []


def _sample_text(cell) -> str:
    if isinstance(cell, bytes):
        return _("(picture)") if cell else ""
    from app.services.imports.values import text

    return text(cell)[:80]
