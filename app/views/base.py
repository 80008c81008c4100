"""What every admin screen shares: who may open it, translated forms, and safe defaults."""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable, Iterator
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.actions import action
from flask_admin.babel import gettext as admin_gettext
from flask_admin.babel import lazy_gettext as admin_lazy_gettext
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.model import typefmt
from flask_admin.model.filters import BaseIntFilter, BaseIntListFilter
from flask_admin.model.template import DeleteRowAction
from flask_babel import format_date, format_datetime, get_locale, gettext
from flask_login import current_user
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response as WerkzeugResponse

from app import jobs
from app.extensions import db
from app.forms import TranslatedAdminForm, once_per_row
from app.i18n import current_language
from app.services import references, spreadsheets
from app.services.errors import FieldErrors, ServiceError
from app.services.exports import tables
from app.services.settings import setting, user_may_edit
from app.services.text import LARGEST_ID, record_id
from app.services.times import local_time
from app.transactions import commit_or_refuse
from app.views.admin_compat import CompatModelView, drop_flashed, rewrite_flashed
from app.views.choice_filters import ChoiceFilterMixin
from app.views.date_fields import LocaleModelConverter, localised_filter
from app.views.filter_lookups import FilterLookupMixin, RelationOptions
from app.views.formatters import yes_no
from app.views.list_rows import (
    ROW_DELETE_FORM,
    ListRows,
    SharedFormDeleteRowAction,
    editor_choice_lists,
)
from app.views.paging import BoundedListMixin, CappedCount, matched_or_searched

# The kind of the job building a long list's export (views.exports), and the request
# global through which it follows the rows written.
EXPORT_JOB = "export_list"
EXPORT_PROGRESS = "kontakt_export_progress"
EXPORT_MIMETYPES = {"csv": "text/csv; charset=utf-8", "vcf": "text/vcard; charset=utf-8"}

LOCALE_FORMATTERS = {
    **typefmt.BASE_FORMATTERS,
    date: lambda view, value, name: format_date(value),
    datetime: lambda view, value, name: format_datetime(value, "short"),
    bool: yes_no,
}
# Exports keep values typed (dates, numbers, yes/no) for services.exports.tables to write
# as the reader's spreadsheet reads them; times on the display clock.
EXPORT_FORMATTERS = {
    **typefmt.EXPORT_FORMATTERS,
    type(None): lambda view, value, name: None,
    datetime: lambda view, value, name: local_time(value),
}

log = logging.getLogger(__name__)

# Past any real list; times the largest page size, still a number PostgreSQL's OFFSET takes.
LARGEST_PAGE = 10**9

GENERIC_SAVED_MESSAGES = ("Record was successfully created.", "Record was successfully saved.")


def failed_messages() -> dict[str, str]:
    """Flask-Admin's failure messages as it shows them → as our catalogs translate them
    (Flask-Admin 2.2.1's compiled catalogs lack these msgids)."""
    return {admin_gettext("Failed to create record."): gettext("Failed to create record."),
            admin_gettext("Failed to save record."): gettext("Failed to save record.")}


# Who may open a view: any member of a tenant, its administrators, or the platform operator.
MEMBER = "member"
ADMIN = "admin"
OPERATOR = "operator"


def access_level() -> str | None:
    """What the current user may open: OPERATOR, ADMIN or MEMBER views; None: nothing."""
    user = current_user._get_current_object()  # the proxy once: asked for every menu entry
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_operator:
        return OPERATOR
    return ADMIN if user.is_admin else MEMBER


def user_has_access(access: str) -> bool:
    level = access_level()
    if level is None:
        return False
    if OPERATOR in (access, level):  # the operator sees no tenant's screens
        return access == level
    return access == MEMBER or level == ADMIN


class AccessMixin:
    """Login required everywhere; a logged-in user without the right gets 403."""

    access: str = MEMBER

    def is_accessible(self) -> bool:
        return user_has_access(self.access)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(403)


@lru_cache(maxsize=256)
def _static_url(script_root: str, endpoint: str, arguments: tuple[tuple[str, Any], ...]) -> str:
    return url_for(endpoint, **dict(arguments))


class KeptStaticUrlsMixin:
    """A static file's address built once per process and script root: a page names
    about twenty, and Flask builds each as slowly as any other address."""

    def get_url(self, endpoint: str, **kwargs: Any) -> str:
        if endpoint == "static" or endpoint.endswith(".static") and endpoint[0] != ".":
            return _static_url(request.script_root, endpoint, tuple(sorted(kwargs.items())))
        return url_for(endpoint, **kwargs)


class SecureBaseView(KeptStaticUrlsMixin, AccessMixin, BaseView):
    pass


class SecureIndexView(KeptStaticUrlsMixin, AccessMixin, AdminIndexView):
    """The dashboard: open to every logged-in user, operator included."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and current_user.is_active


class EditRightsMixin:
    """Create, edit and delete follow the tenant's edit rights (A3) for ``edit_right``
    ("contacts" or "organisations"), checked on every request and every method."""

    edit_right: str

    @property
    def can_create(self) -> bool:
        return user_may_edit(self.edit_right, current_user)

    can_edit = can_create
    can_delete = can_create


def _in_integer_range(filter_class: type[Any]) -> type:
    """The number filter refusing (as an invalid value) what an INTEGER column cannot
    hold, instead of sending it to PostgreSQL, which fails on it."""
    def clean(self, value):
        cleaned = filter_class.clean(self, value)
        for number in cleaned if isinstance(cleaned, list) else [cleaned]:
            if abs(number) > LARGEST_ID:
                raise ValueError(number)
        return cleaned

    return type(filter_class.__name__, (filter_class,), {"clean": clean})


class FilterConverter(sqla_filters.FilterConverter):
    """Flask-Admin's filters for model columns, with integers kept in range and dates
    read as the language writes them."""

    int_filters = tuple(
        _in_integer_range(f) if issubclass(f, BaseIntFilter | BaseIntListFilter) else f
        for f in sqla_filters.FilterConverter.int_filters)
    date_filters = tuple(map(localised_filter, sqla_filters.FilterConverter.date_filters))
    datetime_filters = tuple(
        map(localised_filter, sqla_filters.FilterConverter.datetime_filters))


def show_refusal(form, exc: ServiceError, elsewhere: Callable[[str], Any] | None = None
                 ) -> None:
    """Each refused value beside its input (a FieldErrors names several); a refusal
    naming no input of the form goes ``elsewhere`` (by default a flashed message)."""
    errors = exc.errors if isinstance(exc, FieldErrors) else {exc.field: str(exc)}
    for name, message in errors.items():
        if form is not None and name and name in form:
            # str: Flask-Admin marks a field refused only for plain-string messages
            form[name].errors = [*form[name].errors, str(message)]
        elif elsewhere is not None:
            elsewhere(message)
        else:
            flash(message, "error")


class SecureModelView(BoundedListMixin, FilterLookupMixin, ChoiceFilterMixin, KeptStaticUrlsMixin,
                      AccessMixin, CompatModelView):
    """Base of all model screens. Tenant scoping is not done here: the session does it.
    Lists never count or page past a cap (views.paging) and relation filters look their
    records up (views.filter_lookups)."""

    form_base_class = TranslatedAdminForm
    list_template = "kontakt/model_list.html"  # our page-size menu
    # (legend, field names): the form's fieldsets, two columns on a wide screen
    form_groups: tuple[tuple[Any, tuple[str, ...]], ...] = ()
    filter_converter = FilterConverter()
    model_form_converter = LocaleModelConverter
    page_size = 20
    can_view_details = True
    can_set_page_size = True
    column_type_formatters = LOCALE_FORMATTERS
    column_type_formatters_detail = LOCALE_FORMATTERS
    column_type_formatters_export = EXPORT_FORMATTERS

    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, ServiceError):
            if request.endpoint == f"{self.endpoint}.ajax_update":
                flash(str(exc), "error")  # an in-place edit answers with the flashed messages
            elif exc.field:  # shown next to its field when the form is rendered again
                g.field_error = exc
            else:
                flash(str(exc), "error")
            return True
        if isinstance(exc, IntegrityError):
            flash(gettext("This record conflicts with an existing one."), "error")
            return True
        if super().handle_view_exception(exc):  # a form's ValidationError
            return True
        # Anything else: logged for us, and never its text for the user (a database
        # error quotes the statement and its values).
        log.exception("Failed to save %s", self.endpoint)
        g.hidden_error = str(exc)
        flash(gettext("The record could not be saved. Please check the values and try "
                      "again."), "error")
        return True

    def get_delete_form(self):
        return once_per_row(super().get_delete_form())

    def get_list_row_actions(self):
        """Flask-Admin's row buttons, delete sending the page's one delete form."""
        return [SharedFormDeleteRowAction() if isinstance(action, DeleteRowAction) else action
                for action in super().get_list_row_actions()]

    def validate_form(self, form) -> bool:
        """Form validation, then the service's own checks shown next to their fields."""
        if not super().validate_form(form):
            return False
        if not hasattr(form, "edited_obj"):  # delete and action forms
            return True
        try:
            self.check_form(form)
        except ServiceError as exc:
            show_refusal(form, exc)
            return False
        return True

    def render(self, template, **kwargs):
        own = failed_messages()  # Flask-Admin's failure messages, translated
        rewrite_flashed(lambda message: own.get(message, message))
        field_error = g.pop("field_error", None)
        if field_error is not None:
            show_refusal(kwargs.get("form"), field_error)
        if template == self.list_template:
            kwargs.setdefault("jump_form", self.jump_form(kwargs.get("count")))
            kwargs.setdefault("lookup_labels", self.active_lookup_labels())
            kwargs.setdefault("list_rows", ListRows(self, kwargs.get("list_columns") or [],
                                                    kwargs.get("list_forms")))
            kwargs.setdefault("row_delete_form", ROW_DELETE_FORM)
            kwargs.setdefault("editor_choice_lists", editor_choice_lists)
        return super().render(template, **kwargs)

    def flash_saved(self, message: str) -> None:
        """Flash the view's own "saved" message in place of Flask-Admin's generic one."""
        g.own_saved_message = True
        flash(message, "success")

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        return self._without_generic_message(super().create_view())

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        return self._without_generic_message(super().edit_view())

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self):
        """Flask-Admin's in-list edit, answering a missing record (another tenant's
        too) with 404 and a refused value with 400; Flask-Admin answers both with 500.
        The answer's text is what the list shows beside the value either way."""
        if not self.column_editable_list:
            abort(404)
        if self.get_one(request.form.get("list_form_pk", "")) is None:
            return admin_gettext("Record does not exist."), 404
        response = super().ajax_update()
        if isinstance(response, tuple) and response[1] == 500:
            return response[0], 400
        return response

    def _without_generic_message(self, response):
        if g.pop("own_saved_message", False):
            drop_flashed({admin_gettext(text) for text in GENERIC_SAVED_MESSAGES})
        return response

    def export_records(self) -> Iterator[Any]:
        """The records of the list as filtered, searched and sorted, counted on the
        export job's progress when a job builds the file (views.exports)."""
        count, records = self.export_data()
        progress = g.get(EXPORT_PROGRESS)
        if progress is None:
            yield from records
            return
        progress.total(None if isinstance(count, CappedCount) else count)
        for record in records:
            yield record
            progress.advance()

    def export_rows(self) -> Iterator[list[spreadsheets.Cell]]:
        """One row per record of the list as filtered and searched, every value typed
        and made safe for a spreadsheet (spreadsheets.cell_value): the one source of
        every spreadsheet export."""
        columns = self.current_export_columns()
        for record in self.export_records():
            yield [spreadsheets.cell_value(self.get_export_value(record, name))
                   for name, _title in columns]

    def export_table(self) -> tables.Table:
        """The list as a table (services.exports.tables), named as the list is."""
        headers = [str(spreadsheets.cell_value(title))
                   for _name, title in self.current_export_columns()]
        return tables.Table(title=str(self.name), headers=headers, rows=self.export_rows())

    def export_csv(self, return_url):
        """Built here, not streamed as Flask-Admin does after the view returns, when the
        request's tenant is no longer set (so nothing tenant-scoped would load); in the
        reader's language's separator, numbers and dates (services.exports.tables)."""
        return self.export_response("csv")

    def export_tablib(self, export_type, return_url):
        """XLSX written with typed cells (tablib would write every date as text), and
        the other formats a view offers (export_other)."""
        return self.export_response(export_type)

    def export_response(self, export_type: str) -> WerkzeugResponse:
        """The file at once; for a list of more than EXPORT_INLINE_LIMIT rows, a
        background job that builds the same file (views.exports), and its page."""
        if not g.get(EXPORT_PROGRESS) and self.export_is_large():
            return self._export_later(export_type)
        return self._export_response(self.export_body(export_type), export_type)

    def export_body(self, export_type: str) -> str | bytes:
        """The export file's content, in the current language."""
        if export_type == "csv":
            return tables.csv_bytes(self.export_table(), current_language())
        if export_type == "xlsx":
            return tables.xlsx_bytes(self.export_table())
        return self.export_other(export_type)

    def export_other(self, export_type: str) -> str | bytes:
        """A format of ``export_types`` besides CSV and XLSX (override)."""
        abort(404)

    def export_is_large(self) -> bool:
        """Whether the list as filtered and searched has more rows than are exported
        in the request. The list's capped count (paging) answers: beyond its cap a list
        is always large."""
        args = self.list_extra_args()
        count, _query = self.get_list(0, None, False, args.search, args.filters,
                                      page_size=1, execute=False)
        if count is None:  # a list without a count (simple pager): in the request
            return False
        return isinstance(count, CappedCount) or count > current_app.config[
            "EXPORT_INLINE_LIMIT"]

    def _export_later(self, export_type: str) -> WerkzeugResponse:
        user = current_user._get_current_object()
        params = {"endpoint": self.endpoint, "export_type": export_type,
                  "args": request.args.to_dict(flat=False), "language": current_language()}
        job = commit_or_refuse(lambda: jobs.submit(EXPORT_JOB, user=user, **params)).value
        flash(gettext("The list is long: it is exported in the background. Download the "
                      "file here when it is ready."), "info")
        return redirect(url_for("jobs.job_view", job_id=job.id))

    def export_file_name(self, export_type: str) -> str:
        return secure_filename(self.get_export_name(export_type))

    def _export_response(self, body: str | bytes, export_type: str) -> Response:
        filename = self.export_file_name(export_type)
        mimetype = EXPORT_MIMETYPES.get(export_type) or (
            mimetypes.guess_type(filename)[0] or "application/octet-stream")
        return Response(body, mimetype=mimetype,
                        headers={"Content-Disposition": f"attachment;filename={filename}"})

    @action("delete", admin_lazy_gettext("Delete"),
            admin_lazy_gettext("Are you sure you want to delete selected records?"))
    def action_delete(self, ids):
        """Flask-Admin's bulk delete, given only well-formed ids: it compares the id
        column with the posted text, which PostgreSQL refuses. Flask-Admin flashes the
        text of an error it met here even when handled: that message is taken back."""
        result = super().action_delete([n for n in map(record_id, ids) if n is not None])
        hidden = g.pop("hidden_error", None)
        if hidden:
            rewrite_flashed(lambda message: None if hidden in message else message)
        return result

    def list_extra_args(self):
        """The list's arguments with the page kept in range: a negative or huge page
        would be an OFFSET the database refuses."""
        args = super().list_extra_args()
        args.page = min(max(args.page or 0, 0), LARGEST_PAGE)
        return args

    def on_model_delete(self, model) -> None:
        """Nothing that other records still use is deleted (services.references)."""
        references.ensure_deletable(model)

    # Loader options for what the list and the details page show (a fixed number of
    # queries whatever the page size).
    list_load_options: tuple = ()
    details_load_options: tuple = ()
    export_load_options: tuple = ()  # besides the list's, for columns only exports have

    def get_query(self):
        options = self.list_load_options
        if request.endpoint == f"{self.endpoint}.export":
            options = (*options, *self.export_load_options)
        return self.bounded(super().get_query().options(*options))

    def get_one(self, id):
        """None (Flask-Admin then says the record does not exist) for a malformed id or
        another tenant's record; the session's tenant scoping does the latter."""
        number = record_id(id)
        if number is None:
            return None
        return db.session.get(self.model, number, options=list(self.details_load_options))

    # What the search box says it searches, where search_condition searches more (or
    # otherwise) than column_searchable_list, whose labels Flask-Admin would show.
    search_hint: Any = None

    def search_placeholder(self) -> str | None:
        if self.search_hint is not None:
            return str(self.search_hint)
        return super().search_placeholder()

    def search_condition(self, search: str):
        """The list search as one SQL condition (override); None keeps Flask-Admin's
        search over ``column_searchable_list``."""
        return None

    def extra_search_conditions(self, search: str) -> list:
        """More conditions any of which may match instead (configurable fields)."""
        return []

    def apply_search(self, query, count_query, joins, count_joins, search):
        conditions = [c for c in (self.search_condition(search),
                                  *self.extra_search_conditions(search)) if c is not None]
        if not conditions:
            return super().apply_search(query, count_query, joins, count_joins, search)
        search = matched_or_searched(self.model, or_(*conditions))
        if count_query is not None:
            count_query = count_query.filter(search.condition)
            if self.searched_alone():
                count_query.matched_alone = search.matched
                count_query.rows_alone = search.rows
        return query.filter(search.condition), count_query, joins, count_joins

    def check_form(self, form) -> None:
        """Raise ServiceError for input the business rules refuse (override).
        ``form.edited_obj`` is the record being edited, None on create."""

    def filter_groups(self):
        """The filters as the page carries them: their texts, in the language, and their
        lookups' addresses worked out once and kept (kept_filter_groups); the options
        that are the tenant's records (callable ones) read per request."""
        key = (str(get_locale()), setting("contact_term"), request.script_root)
        groups = self.kept_filter_groups(key, self._shaped_filter_groups)
        if not groups:
            return groups
        filters = self.current_filters()
        return {name: [dict(item, options=self.filter_options(filters[item["index"]]))
                       if item.get("type") != "select2-ajax"
                       and callable(filters[item["index"]].options) else item
                       for item in items]
                for name, items in groups.items()}

    def kept_filter_groups(self, key: tuple, build: Callable[[], Any]) -> Any:
        """``build()`` kept under ``key`` (override): per view, whose filters are the
        same for every tenant."""
        kept = self.__dict__.setdefault("_kept_filter_groups", {})
        if key not in kept:
            kept[key] = build()
        return kept[key]

    def _shaped_filter_groups(self):
        groups = super().filter_groups()
        for items in (groups or {}).values():
            for item in items:
                self.lookup_filter_item(item)
        return groups

    def filter_options(self, flt) -> list[tuple[str, str]] | None:
        """A filter's options as the page carries them, each callable asked once per
        request; None for a filter that looks its records up (filter_lookups)."""
        options = flt.options
        if isinstance(options, RelationOptions):
            return None
        if not callable(options):
            return flt.get_options(self)
        computed = g.setdefault("filter_options", {})
        if options not in computed:
            computed[options] = [(key, str(label)) for key, label in options()]
        return computed[options]

    def create_form(self, obj=None):
        form = super().create_form(obj)
        form.edited_obj = None
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        form.edited_obj = obj
        return form

    def __init__(self, model, name=None, category=None, endpoint=None, url=None, **kwargs):
        super().__init__(model, db, name=name, category=category,
                         endpoint=endpoint, url=url, **kwargs)
