"""The one place where the app touches Flask-Admin's private attributes.

Flask-Admin offers no public hook for what some screens need (per-tenant columns and
filters, search and sorting of our own, a CSV built inside the request), so these
attributes and methods are overridden or read here, and only here; the views use the
public names this module gives them. Each one names what it mirrors in Flask-Admin
2.2.1 (pinned ``~=2.2.1`` in pyproject.toml); tests/test_admin_compat.py checks that
every one still exists with the same signature, so an upgrade that changes them fails
there, in one obvious place.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from flask import g, has_request_context, session
from flask_admin.contrib.sqla import ModelView

# Flask-Admin versions this module was checked against (as pinned in pyproject.toml).
CHECKED_AGAINST = "~=2.2.1"


class PerRequest:
    """A private view attribute that Flask-Admin computes once at start-up; its value
    becomes the start-up value extended, once per request, by the view's
    ``extend_for_request(name, value)`` (``name`` is the public name given here)."""

    def __init__(self, name: str, mirrors: str) -> None:
        self.name = name
        self.__doc__ = f"Mirrors {mirrors}."

    def __set_name__(self, owner: type, attribute: str) -> None:
        self.attribute = attribute
        self.static_name = f"_static{attribute}"

    def __get__(self, view: Any, owner: type | None = None) -> Any:
        if view is None:
            return self
        static = view.__dict__.get(self.static_name)
        if not has_request_context():
            return static
        cache = g.setdefault("per_request_view_attributes", {})
        key = (id(view), self.name)
        if key not in cache:
            cache[key] = view.extend_for_request(self.name, static)
        return cache[key]

    def __set__(self, view: Any, value: Any) -> None:
        view.__dict__[self.static_name] = value


class PerRequestAttributes:
    """Flask-Admin's start-up caches of a model view, computed per request instead
    (they set ``self._…`` in BaseModelView._refresh_cache and its helpers)."""

    _list_columns = PerRequest(
        "list_columns", "flask_admin.model.base.BaseModelView._refresh_cache "
        "(self._list_columns = self.get_list_columns())")
    _sortable_columns = PerRequest(
        "sortable_columns", "flask_admin.model.base.BaseModelView._refresh_cache "
        "(self._sortable_columns = self.get_sortable_columns())")
    _filters = PerRequest(
        "filters", "flask_admin.model.base.BaseModelView._refresh_filters_cache "
        "(self._filters = self.get_filters())")
    _filter_groups = PerRequest(
        "filter_groups", "flask_admin.model.base.BaseModelView._refresh_filters_cache "
        "(self._filter_groups)")
    _filter_args = PerRequest(
        "filter_args", "flask_admin.model.base.BaseModelView._refresh_filters_cache "
        "(self._filter_args)")
    _details_columns = PerRequest(
        "details_columns", "flask_admin.model.base.BaseModelView._refresh_cache "
        "(self._details_columns = self.get_details_columns())")
    _export_columns = PerRequest(
        "export_columns", "flask_admin.model.base.BaseModelView._refresh_cache "
        "(self._export_columns = self.get_export_columns())")

    def extend_for_request(self, name: str, static: Any) -> Any:
        """The attribute ``name`` for this request (override); the start-up value."""
        return static


def startup_value(view: Any, attribute: str) -> Any:
    """The start-up value of one of ``view``'s PerRequest attributes (e.g.
    "_list_columns"), before any request extended it."""
    descriptor = getattr(type(view), attribute)
    return view.__dict__.get(descriptor.static_name)


# Per-request attributes and what they are called here.
PER_REQUEST = {name: value.name for name, value in vars(PerRequestAttributes).items()
               if isinstance(value, PerRequest)}


class CompatModelView(ModelView):
    """Flask-Admin's ModelView with public names for its private hooks: Flask-Admin
    calls the private methods; they call the public ones, which views override (calling
    ``super()``) and which end in Flask-Admin's own."""

    def _apply_sorting(self, query, joins, sort_column, sort_desc):
        """Mirrors flask_admin.contrib.sqla.view.ModelView._apply_sorting."""
        return self.apply_sorting(query, joins, sort_column, sort_desc)

    def apply_sorting(self, query: Any, joins: dict, sort_column: Any, sort_desc: bool
                      ) -> tuple[Any, dict]:
        """The list's order: ``(query, joins)``, as Flask-Admin sorts by default."""
        return super()._apply_sorting(query, joins, sort_column, sort_desc)

    def _apply_pagination(self, query, page, page_size):
        """Mirrors flask_admin.contrib.sqla.view.ModelView._apply_pagination."""
        return self.apply_pagination(query, page, page_size)

    def apply_pagination(self, query: Any, page: int | None, page_size: int | None) -> Any:
        """The list query limited to one page, as Flask-Admin pages (LIMIT, OFFSET)."""
        return super()._apply_pagination(query, page, page_size)

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Mirrors flask_admin.contrib.sqla.view.ModelView._apply_search."""
        return self.apply_search(query, count_query, joins, count_joins, search)

    def apply_search(self, query: Any, count_query: Any, joins: dict, count_joins: dict,
                     search: str) -> tuple[Any, Any, dict, dict]:
        """The list search: ``(query, count_query, joins, count_joins)``, as Flask-Admin
        searches ``column_searchable_list`` by default."""
        return super()._apply_search(query, count_query, joins, count_joins, search)

    def _get_filter_groups(self):
        """Mirrors flask_admin.model.base.BaseModelView._get_filter_groups."""
        return self.filter_groups()

    def filter_groups(self) -> dict[str, list[dict[str, Any]]] | None:
        """The list's filters as the page shows them: ``{name: [item, …]}`` or None;
        each item a dict with ``index`` (into :meth:`current_filters`) and ``options``."""
        return super()._get_filter_groups()

    def _export_csv(self, return_url):
        """Mirrors flask_admin.model.base.BaseModelView._export_csv."""
        return self.export_csv(return_url)

    def export_csv(self, return_url: str) -> Any:
        """The CSV export response, as Flask-Admin builds it (streamed)."""
        return super()._export_csv(return_url)

    def _get_list_extra_args(self):
        """Mirrors flask_admin.model.base.BaseModelView._get_list_extra_args."""
        return self.list_extra_args()

    def list_extra_args(self) -> Any:
        """The list's arguments (page, sort, search, filters) as read from the URL."""
        return super()._get_list_extra_args()

    def _export_tablib(self, export_type, return_url):
        """Mirrors flask_admin.model.base.BaseModelView._export_tablib."""
        return self.export_tablib(export_type, return_url)

    def export_tablib(self, export_type: str, return_url: str) -> Any:
        """An XLSX/ODS/… export response, as Flask-Admin builds it with tablib."""
        return super()._export_tablib(export_type, return_url)

    def export_data(self) -> tuple[int, Any]:
        """``(count, records)`` of the list as filtered, for an export. Calls
        flask_admin.model.base.BaseModelView._export_data."""
        return self._export_data()

    def current_export_columns(self) -> list[tuple[str, str]]:
        """``(name, title)`` of the exported columns. Reads ``self._export_columns``
        (set in flask_admin.model.base.BaseModelView._refresh_cache)."""
        return self._export_columns

    def list_cell_function(self, name: str) -> Callable[[Any], Any]:
        """The value a list cell of column ``name`` shows for a row, as
        flask_admin.model.base.BaseModelView._get_list_value finds it (the column's
        formatter, else the attribute; its choices; the type formatter of the value),
        with the formatter, the choices and each type's formatter looked up once.
        Reads ``self._column_choices_map`` (set in BaseModelView._refresh_cache) and
        calls ``self._get_field_value``. Formatters get no Jinja context (no list here
        uses a macro formatter)."""
        formatter = self.column_formatters.get(name)
        choices = self._column_choices_map.get(name) or {}
        type_formatters = list(self.column_type_formatters.items())
        by_type: dict[type, Any] = {}

        def value_of(row: Any) -> Any:
            value = (formatter(self, None, row, name) if formatter is not None
                     else self._get_field_value(row, name))
            if choices:
                return choices.get(value) or value
            kind = type(value)
            if kind not in by_type:
                by_type[kind] = next((f for t, f in type_formatters if isinstance(value, t)),
                                     None)
            type_formatter = by_type[kind]
            return value if type_formatter is None else type_formatter(self, value, name)

        return value_of

    def current_filters(self) -> list:
        """The filter objects of the list, by index. Reads ``self._filters`` (set in
        flask_admin.model.base.BaseModelView._refresh_filters_cache)."""
        return self._filters

    def column_by_index(self, index: int) -> tuple[str, str] | None:
        """``(name, label)`` of the list column at ``index`` (the sort argument). Calls
        flask_admin.model.base.BaseModelView._get_column_by_idx."""
        return self._get_column_by_idx(index)

    def current_sortable_columns(self) -> dict:
        """Sortable columns by name. Reads ``self._sortable_columns`` (set in
        flask_admin.model.base.BaseModelView._refresh_cache)."""
        return self._sortable_columns

    def create_form_class(self) -> type:
        """The create form class scaffolded at start-up. Reads ``self._create_form_class``
        (set in flask_admin.model.base.BaseModelView._refresh_forms_cache)."""
        return self._create_form_class

    def edit_form_class(self) -> type:
        """The edit form class scaffolded at start-up. Reads ``self._edit_form_class``
        (set in flask_admin.model.base.BaseModelView._refresh_forms_cache)."""
        return self._edit_form_class


def views_of(admin: Any) -> list[Any]:
    """Every view added to a Flask-Admin ``Admin``. Reads ``admin._views`` (filled by
    flask_admin.base.Admin.add_view)."""
    return list(admin._views)


def rewrite_flashed(rewrite: Callable[[str], str | None]) -> None:
    """Change or take back messages flashed earlier in this request: each becomes what
    ``rewrite`` returns, or goes when it returns None. Mirrors flask.helpers.flash, which
    keeps ``(category, message)`` pairs in the session under ``_flashes`` (Flask, not
    Flask-Admin)."""
    if not session.get("_flashes"):
        return
    session["_flashes"] = [(category, new) for category, message in session["_flashes"]
                           if (new := rewrite(message)) is not None]


def drop_flashed(messages: Collection[str]) -> None:
    """Take back messages flashed earlier in this request (e.g. Flask-Admin's generic
    "Record was successfully saved." when the view flashes its own)."""
    rewrite_flashed(lambda message: None if message in messages else message)


# The base of a mixin for model views: to type checkers the mixin is a model view (its
# ``self.model``, ``super().render`` … are known); at run time it is a plain mixin.
if TYPE_CHECKING:
    ModelViewMixin = CompatModelView
else:
    ModelViewMixin = object
