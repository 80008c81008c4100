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
from flask import flash, session
from flask_admin.contrib.sqla import ModelView
from flask_admin.model.base import BaseModelView
from packaging.specifiers import SpecifierSet
from wtforms import Form

from app.extensions import db
from app.models import Tag
from app.views import admin_compat
from app.views.base import SecureModelView

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

# The private attributes a model view sets at start-up, and what they hold.
ATTRIBUTES = {
    "_list_columns": list, "_sortable_columns": dict, "_filters": list,
    "_filter_groups": OrderedDict, "_filter_args": dict, "_export_columns": list,
    "_details_columns": list,
    "_create_form_class": type, "_edit_form_class": type,
}


def test_installed_flask_admin_is_the_one_checked_against():
    pin = next(d for d in tomllib.loads(Path("pyproject.toml").read_text())["project"][
        "dependencies"] if d.startswith("Flask-Admin"))
    assert pin.endswith(admin_compat.CHECKED_AGAINST)
    assert version("Flask-Admin") in SpecifierSet(admin_compat.CHECKED_AGAINST)


@pytest.mark.parametrize(("owner", "name"), METHODS)
def test_private_method_has_the_expected_signature(owner, name):
    method = getattr(ModelView, name)
    assert method.__qualname__ == f"{owner.__name__}.{name}"
    assert list(inspect.signature(method).parameters) == METHODS[owner, name]


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
        "_create_form_class", "_edit_form_class"}


def test_flashed_messages_are_kept_in_the_session_as_pairs(app):
    with app.test_request_context():
        flash("Record was successfully saved.", "success")
        flash("Kept", "info")
        assert session["_flashes"] == [("success", "Record was successfully saved."),
                                       ("info", "Kept")]
        admin_compat.drop_flashed({"Record was successfully saved."})
        assert session["_flashes"] == [("info", "Kept")]
