"""The one place where the app touches Flask-Babel's private parts.

Flask-Babel finds its per-request state (the chosen locale, the translations) through
``flask_babel._get_current_context`` on every gettext, get_locale and format call: a
truth test of ``g``, a ``hasattr`` and an attribute read, each through Werkzeug's
context-local proxy. A contact list page makes about 1,400 of these look-ups, 10–15 %
of its CPU time. ``install`` puts in a function with the same answer that reads the
attribute once and only falls back to Flask-Babel's own to create it.

Checked against Flask-Babel 4.0 (pinned in pyproject.toml); tests/test_babel_compat.py
checks that the function it replaces still exists and keeps the state where this
module expects it, so an upgrade that changes either fails there.
"""

from __future__ import annotations

from types import SimpleNamespace

import flask_babel
from flask import g

CHECKED_AGAINST = ">=4.0,<4.1"
STATE_ATTRIBUTE = "_flask_babel"  # where Flask-Babel keeps a request's state on g

_flask_babels_own = flask_babel._get_current_context


def _current_context() -> SimpleNamespace | None:
    try:
        return getattr(g, STATE_ATTRIBUTE)
    except AttributeError:  # first look-up in this context: Flask-Babel makes it
        return _flask_babels_own()
    except RuntimeError:  # no application context: what Flask-Babel answers there
        return None


def install() -> None:
    flask_babel._get_current_context = _current_context
