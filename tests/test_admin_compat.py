"""Flask-Admin's private attributes that app/views/admin_compat.py overrides or reads
are still there, as they were in the version it was written for. When one of these
fails after an upgrade, adapt admin_compat.py (and only it) to the new Flask-Admin."""

from __future__ import annotations

import importlib
import inspect
import re
import tomllib
from collections import OrderedDict
from importlib.metadata import version
from pathlib import Path

import pytest
from flask import flash, g, session
from flask_admin.contrib.sqla import ModelView
from flask_admin.model.base import BaseModelView
from packaging.specifiers import SpecifierSet
from wtforms import Form

from app.extensions import db
from app.models import Contact, Tag
from app.tenancy import tenant_context
from app.views import admin_compat
from app.views.base import SecureModelView
from tests.factories import gen_contact, gen_fields, gen_organisation

# The private methods and their parameters, as in Flask-Admin 2.2.1.
METHODS = {
    (ModelView, "_apply_sorting"): ["self", "query", "joins", "sort_column", "sort_desc"],
    (ModelView, "_apply_search"):
        ["self", "query", "count_query", "joins", "count_joins", "search"],
    (BaseModelView, "_get_filter_groups"): ["self"],
    (BaseModelView, "_export_csv"): ["self", "return_url"],
    (BaseModelView, "_get_list_extra_args"): ["self"],
    (BaseModelView, "_export_tablib"): ["self", "export_type", "return_url"],
}

# Private methods read (not overridden) by admin_compat.list_cell_function.
READ_METHODS = {
    (BaseModelView, "_get_list_value"):
        ["self", "context", "model", "name", "column_formatters", "column_type_formatters"],
    (BaseModelView, "_get_field_value"): ["self", "model", "name"],
}

# The private attributes a model view sets at start-up, and what they hold.
ATTRIBUTES = {
    "_list_columns": list, "_sortable_columns": dict, "_filters": list,
    "_filter_groups": OrderedDict, "_filter_args": dict, "_export_columns": list,
    "_details_columns": list,
    "_create_form_class": type, "_edit_form_class": type, "_column_choices_map": dict,
}


def test_installed_flask_admin_is_the_one_checked_against():
    pin = next(d for d in tomllib.loads(Path("pyproject.toml").read_text())["project"][
        "dependencies"] if d.startswith("Flask-Admin"))
    assert pin.endswith(admin_compat.CHECKED_AGAINST)
    assert version("Flask-Admin") in SpecifierSet(admin_compat.CHECKED_AGAINST)


@pytest.mark.parametrize(("owner", "name"), [*METHODS, *READ_METHODS])
def test_private_method_has_the_expected_signature(owner, name):
    method = getattr(ModelView, name)
    assert method.__qualname__ == f"{owner.__name__}.{name}"
    assert list(inspect.signature(method).parameters) == {**METHODS, **READ_METHODS}[
        owner, name]


def test_compat_view_mirrors_each_private_method():
    for _owner, name in METHODS:
        assert name in vars(admin_compat.CompatModelView)
    assert SecureModelView.__mro__.index(admin_compat.CompatModelView) + 1 == (
        SecureModelView.__mro__.index(ModelView))


def mirrored_names() -> set[str]:
    source = inspect.getsource(admin_compat)
    return set(re.findall(r"flask_admin(?:\.[a-z_]+)+\.[A-Z]\w*\.\w+", source))


@pytest.mark.parametrize("dotted", sorted(mirrored_names()))
def test_every_named_flask_admin_function_exists(dotted):
    module_name, class_name, function = dotted.rsplit(".", 2)
    owner = getattr(importlib.import_module(module_name), class_name)
    assert callable(vars(owner).get(function)), dotted


class ProbeView(ModelView):
    column_filters = ["name"]
    can_view_details = True


def test_start_up_attributes_are_set_as_expected(app):
    with app.app_context():
        view = ProbeView(Tag, db, endpoint="compat_probe")
    for name, kind in ATTRIBUTES.items():
        assert isinstance(vars(view)[name], kind), name
    assert issubclass(view._create_form_class, Form)
    assert set(admin_compat.PER_REQUEST) == set(ATTRIBUTES) - {
        "_create_form_class", "_edit_form_class", "_column_choices_map"}


def test_flashed_messages_are_kept_in_the_session_as_pairs(app):
    with app.test_request_context():
        flash("Record was successfully saved.", "success")
        flash("Kept", "info")
        assert session["_flashes"] == [("success", "Record was successfully saved."),
                                       ("info", "Kept")]
        admin_compat.drop_flashed({"Record was successfully saved."})
        assert session["_flashes"] == [("info", "Kept")]


def test_list_cells_show_what_flask_admin_would(app, tenant_a):
    """Each contact list column's cell function (resolved once per page) gives what
    Flask-Admin's get_list_value gives for the same row, cell by cell."""
    names = gen_fields(tenant_a.id)
    organisation = gen_organisation(tenant_a.id)
    values = {"visits": 12, "budget": 2.5, "met_on": "2026-01-10", "vip": True,
              "level": "gold", "topics": ["price", "quality"], "note": "<b>Kaffe</b>"}
    custom = {name: values[name] for name in values if name in names}
    filled = gen_contact(tenant_a.id, organisation, "Åse", "<i>Ørsted</i>", phone="+4512345678",
                         custom=custom, consent_email=True)
    empty = gen_contact(tenant_a.id, None, "Jens", "Hansen", email=None)
    view = next(v for v in admin_compat.views_of(app.extensions["admin"][0])
                if v.endpoint == "contact")
    with app.test_request_context(), tenant_context(tenant_a.id):
        g.every_column = True  # every column the list offers, hidden ones too
        columns = [name for name, _label in view._list_columns]
        assert {f"cf_{key}" for key in ("visits", "level", "vip")} <= set(columns)
        for record_id in (filled, empty):
            row = db.session.get(Contact, record_id)
            for name in columns:
                assert view.list_cell_function(name)(row) == view.get_list_value(
                    None, row, name), name
