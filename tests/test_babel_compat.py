"""Flask-Babel's private function that app/babel_compat.py replaces is still there, and
the replacement answers as Flask-Babel's own does: outside an application context,
on a request's first look-up, and after the locale is forced for a block."""

from __future__ import annotations

import inspect
import tomllib
from importlib.metadata import version
from pathlib import Path
from threading import Thread

import flask_babel
from flask import g
from flask_babel import force_locale, get_locale, gettext
from packaging.specifiers import SpecifierSet

from app import babel_compat


def test_installed_flask_babel_is_the_one_checked_against():
    pin = next(d for d in tomllib.loads(Path("pyproject.toml").read_text())["project"][
        "dependencies"] if d.startswith("Flask-Babel"))
    assert pin.endswith(babel_compat.CHECKED_AGAINST)
    assert version("Flask-Babel") in SpecifierSet(babel_compat.CHECKED_AGAINST)


def test_flask_babels_own_function_is_the_one_replaced(app):
    own = babel_compat._flask_babels_own
    assert own.__module__ == "flask_babel" and own.__name__ == "_get_current_context"
    assert not inspect.signature(own).parameters
    assert flask_babel._get_current_context is babel_compat._current_context
    with app.test_request_context():
        assert own() is getattr(g, babel_compat.STATE_ATTRIBUTE)  # kept where we read it


def test_outside_an_application_context_there_is_no_locale():
    # a thread of its own: the tests' application context is not there
    answers = []
    thread = Thread(target=lambda: answers.append(
        (babel_compat._current_context(), get_locale(), gettext("Contacts"))))
    thread.start()
    thread.join()
    assert answers == [(None, None, "Contacts")]


def test_a_request_translates_and_a_forced_locale_comes_and_goes(app):
    with app.test_request_context(headers={"Accept-Language": "da"}):
        assert not hasattr(g, babel_compat.STATE_ATTRIBUTE)
        assert babel_compat._current_context() is getattr(g, babel_compat.STATE_ATTRIBUTE)
        assert str(get_locale()) == "da" and gettext("Contacts") == "Kontakter"
        with force_locale("pl"):
            assert gettext("Contacts") == "Kontakty"
        assert gettext("Contacts") == "Kontakter"
