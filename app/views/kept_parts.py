"""Parts of the admin layout that are the same for many requests, rendered once per
process and kept: the main menu is the same for every user of one access level, in one
language, under one contact term (A2), on one screen. Flask-Admin renders it anew on
every request, asking every view whether it is accessible: about a tenth of a list
page's CPU.

In a template: ``{% call kept_part("main_menu", admin_view.endpoint) %}…{% endcall %}``;
the key is the part's name, its arguments and what every such part depends on
(``shared_key``)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock

from flask import Flask, request
from flask_babel import get_locale
from markupsafe import Markup

from app.services.settings import setting
from app.views.base import access_level

# Parts kept per process: screens × languages × access levels × terms, and room to spare.
KEPT = 2048


class KeptParts:
    """Rendered parts by key; beyond ``size`` the least recently used is dropped."""

    def __init__(self, size: int = KEPT) -> None:
        self._parts: OrderedDict[Hashable, Markup] = OrderedDict()
        self._size = size
        self._lock = Lock()  # gunicorn's threads share a process

    def get(self, key: Hashable, render: Callable[[], str]) -> Markup:
        with self._lock:
            part = self._parts.get(key)
            if part is not None:
                self._parts.move_to_end(key)
                return part
        part = Markup(render())
        with self._lock:
            self._parts[key] = part
            if len(self._parts) > self._size:
                self._parts.popitem(last=False)
        return part

    def clear(self) -> None:
        with self._lock:
            self._parts.clear()


PARTS = KeptParts()


def shared_key() -> tuple[Hashable, ...]:
    """What a kept part of the layout depends on besides its own arguments."""
    return str(get_locale()), setting("contact_term"), access_level(), request.script_root


def kept_part(name: str, *arguments: Hashable, caller: Callable[[], str]) -> Markup:
    return PARTS.get((name, arguments, shared_key()), caller)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["kept_part"] = kept_part
