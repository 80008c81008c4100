"""Filters on a relation whose records are too many to list in the page (a tenant's
organisations, its users): Flask-Admin would inline every option into each list page
as JSON. These filters choose their record by typing instead, from the view's
``filter-lookup`` endpoint, like the forms' ``form_ajax_refs`` (views.lookups)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, g, jsonify, request, url_for
from flask_admin import expose

from app.services.text import record_id
from app.views.admin_compat import ModelViewMixin

FILTER_LOOKUP_LIMIT = 10  # choices per answer (the select box asks for more on scrolling)


class RelationOptions:
    """A filter's ``options``: still callable for the full list (Flask-Admin asks at
    start-up, the every-filter test asks for a sample), but never put into the page;
    ``loader`` (a views.lookups.TenantLookup) finds records by text and by id."""

    def __init__(self, everything: Callable[[], list[tuple[str, str]]], loader: Any) -> None:
        self.everything = everything
        self.loader = loader

    def __call__(self) -> list[tuple[str, str]]:
        return self.everything()


class FilterLookupMixin(ModelViewMixin):
    """For SecureModelView: relation filters become lookups in the filter groups."""

    def relation_options(self, index: int) -> RelationOptions | None:
        filters = self.current_filters() or []
        options = filters[index].options if 0 <= index < len(filters) else None
        return options if isinstance(options, RelationOptions) else None

    def lookup_filter_item(self, item: dict[str, Any]) -> bool:
        """Make a filter group's item a lookup (True) if its filter is one."""
        if self.relation_options(item["index"]) is None:
            return False
        item["options"] = None
        item["type"] = "select2-ajax"
        item["lookup_url"] = url_for(".filter_lookup", index=item["index"])
        return True

    @expose("/filter-lookup/<int:index>/")
    def filter_lookup(self, index: int):
        """[[id, label], …] of the current tenant's records matching ``query``."""
        options = self.relation_options(index)
        if options is None:
            abort(404)
        found = options.loader.get_list(
            request.args.get("query", ""), offset=request.args.get("offset", 0, type=int),
            limit=min(request.args.get("limit", FILTER_LOOKUP_LIMIT, type=int),
                      FILTER_LOOKUP_LIMIT))
        return jsonify([options.loader.format(record) for record in found])

    def active_lookup_labels(self) -> dict[str, str]:
        """The label of each record an active lookup filter names ("index|id": label),
        so the page shows the chosen name: one query per such filter, not per option."""
        args = g.get("list_args")
        labels = {}
        for index, _name, value in (args.filters or []) if args is not None else []:
            options = self.relation_options(index)
            number = record_id(value) if options is not None else None
            if options is None or number is None:
                continue
            record = options.loader.get_one(number)
            if record is not None:
                labels[f"{index}|{value}"] = options.loader.format(record)[1]
        return labels
