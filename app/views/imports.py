"""The import screen (administrators): upload a file → map its columns to fields →
preview the first rows with their checks → import → the result, with the refused rows
and their error file. The file waits in the tenant's storage under an opaque token
(services.imports.uploads) between the steps."""

from __future__ import annotations

from itertools import islice
from typing import cast

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from app.forms import TranslatedFlaskForm
from app.services.errors import FieldErrors, ServiceError
from app.services.imports import mapping, reading, runner, uploads
from app.services.imports.errorfile import reason_header
from app.services.imports.rows import Reader
from app.transactions import commit_or_refuse
from app.views.base import ADMIN, SecureBaseView
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
                self._source(token)
            except ServiceError as exc:
                form.file.errors = [str(exc)]
            else:
                return redirect(url_for(".columns", token=token))
        return self.render("kontakt/import_upload.html", form=form)

    def _source(self, token: str) -> reading.Source:
        path = uploads.file_path(token)
        if path is None:
            abort(404)
        return reading.open_source(path, uploads.plan(token).get("filename"))

    def _plan(self, token: str) -> dict:
        if uploads.file_path(token) is None:
            abort(404)
        return uploads.plan(token)

    @expose("/<token>/columns", methods=["GET", "POST"])
    def columns(self, token: str):
        plan = self._plan(token)
        source, kind = self._source(token), plan["kind"]
        form = TranslatedFlaskForm()
        if request.method == "POST" and form.validate_on_submit():
            chosen = [request.form.get(f"column_{i}", "") for i in range(len(source.headers))]
            name = request.form.get("mapping_name", "").strip()
            if commit_or_refuse(lambda: _keep_mapping(kind, source.headers, chosen, name),
                                flash_refusal):
                uploads.save_plan(token, {**plan, "columns": chosen})
                if name:
                    flash(_("The mapping was saved as %(name)s.", name=name), "success")
                return redirect(url_for(".preview", token=token))
            columns = chosen
        else:
            columns = self._columns(kind, source.headers, plan)
        samples = [row.cells for row in islice(source.rows(), SAMPLES)]
        return self.render("kontakt/import_columns.html", form=form, token=token, plan=plan,
                           headers=source.headers, columns=columns, samples=samples,
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
        source = self._source(token)
        reader = Reader(plan["kind"], plan["columns"])
        labels = {f.key: str(f.label) for f in mapping.fields(plan["kind"])}
        rows = [(row, _check(reader, row, labels))
                for row in islice(source.rows(), PREVIEW_ROWS)]
        shown = [(i, header) for i, header in enumerate(source.headers) if plan["columns"][i]]
        return self.render("kontakt/import_preview.html", token=token, plan=plan, rows=rows,
                           shown=shown, labels=labels, form=RunForm(),
                           sample_text=_sample_text)

    @expose("/<token>/run", methods=["POST"])
    def run(self, token: str):
        plan = self._plan(token)
        form = RunForm()
        if "columns" not in plan or not form.validate_on_submit():
            abort(400)
        # Synchronous for now: the background job (app.jobs) takes this call as it is.
        import_plan = runner.ImportPlan(
            plan["kind"], self._source(token), plan["columns"], mode=form.mode.data,
            on_match=form.on_match.data, errors_path=uploads.errors_path(token))
        outcome = commit_or_refuse(lambda: runner.run_import(import_plan, current_user))
        if outcome:
            result = outcome.value
        elif isinstance(outcome.refusal, runner.ImportRefused):
            result = outcome.refusal.result
        else:
            flash_refusal(cast(ServiceError, outcome.refusal))
            return redirect(url_for(".preview", token=token))
        uploads.save_plan(token, {**plan, "result": {
            **result.summary(), "rolled_back": result.rolled_back,
            "errors": [[e.line, e.reasons] for e in result.errors]}})
        return redirect(url_for(".result", token=token))

    @expose("/<token>/result")
    def result(self, token: str):
        plan = self._plan(token)
        if "result" not in plan:
            return redirect(url_for(".preview", token=token))
        return self.render("kontakt/import_result.html", token=token, plan=plan,
                           result=plan["result"], has_errors=uploads.error_file(token)
                           is not None)

    @expose("/<token>/errors.csv")
    def errors(self, token: str):
        plan = self._plan(token)
        path = uploads.error_file(token)
        if path is None:
            abort(404)
        stem = (plan.get("filename") or "import").rsplit(".", 1)[0] or "import"
        return send_file(path, mimetype="text/csv", as_attachment=True,
                         download_name=f"{stem}-{reason_header().lower()}.csv".replace(" ", "-"))


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
