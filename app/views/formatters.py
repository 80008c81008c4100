"""List and details formatters shared by several screens: links to related records,
times on the display clock, phones, tags and consents. Formatters that belong to one
screen stay in its module."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import g, url_for
from flask_babel import format_datetime, gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from app.services import identifiers

# Stands for a record's id in a URL built once per request and endpoint: an id no
# INTEGER column holds, so no real URL part is taken for it.
ID_STAND_IN = 2**31 + 7


def record_url(endpoint: str, id_argument: str, record_id: int) -> str:
    """``url_for(endpoint, **{id_argument: record_id})``, with the URL built once per
    request and endpoint (a list asks it for every row) and the id put in its place."""
    templates = g.setdefault("record_url_templates", {})
    key = (endpoint, id_argument)
    if key not in templates:
        arguments: dict[str, Any] = {id_argument: ID_STAND_IN}
        templates[key] = url_for(endpoint, **arguments).split(str(ID_STAND_IN))
    head, *rest = templates[key]
    return head + "".join(f"{int(record_id)}{part}" for part in rest)


def link(record, endpoint: str) -> Markup | str:
    if record is None:
        return ""
    url = record_url(f"{endpoint}.details_view", "id", record.id)
    return Markup(f'<a href="{escape(url)}">{escape(str(record))}</a>')


def link_formatter(endpoint: str):
    return lambda view, context, model, name: link(getattr(model, name), endpoint)


def plain(view, context, model, name) -> str:
    """A related record as text, for exports."""
    value = getattr(model, name)
    return "" if value is None else str(value)


def local_time(moment) -> str:
    return format_datetime(moment, "short") if moment is not None else ""


def time_formatter(view, context, model, name) -> str:
    """A list column's date and time, short, on the display clock."""
    return local_time(getattr(model, name))


def phone_formatter(view, context, model, name) -> str:
    return identifiers.format_phone(getattr(model, name))


def _relative_luminance(colour: str) -> float:
    """WCAG 2.1's relative luminance of a "#rrggbb" colour."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@lru_cache(maxsize=1024)
def text_class_on(colour: str) -> str:
    """The text colour (a CSS class) with the higher contrast on ``colour``: black or
    white, whichever the tag's colour is chosen."""
    try:
        luminance = _relative_luminance(colour)
    except (ValueError, IndexError):
        return "text-dark"
    on_black = (luminance + 0.05) / 0.05
    on_white = 1.05 / (luminance + 0.05)
    return "text-dark" if on_black >= on_white else "text-white"


def tags_formatter(view, context, model, name) -> Markup:
    # The colour is set by behaviours.js: the security policy refuses style attributes.
    # f-strings of escaped parts: Markup.format costs several times more, per tag and row
    return Markup(" ".join(
        f'<span class="badge kontakt-tag {escape(text_class_on(tag.colour))}" '
        f'data-colour="{escape(tag.colour)}">{escape(tag.name)}</span>'
        for tag in model.tags))


def consent_formatter(view, context, model, name) -> Markup:
    channels = (("consent_phone", _l("Phone")), ("consent_email", _l("E-mail")),
                ("consent_letter", _l("Letter")))
    given = [str(label) for attr, label in channels if getattr(model, attr)]
    return Markup(", ").join(given) if given else Markup("—")


def yes_no(view, value, name: str) -> Markup:
    """A check mark or a minus, titled with the column's label and Ja/Nej in the
    reader's language (Flask-Admin's own says "planned: false")."""
    shown = g.setdefault("yes_no_marks", {})  # a list repeats it in every row
    key = (id(view), name, bool(value))
    if key not in shown:
        icon = "fa-check-circle" if value else "fa-minus-circle"
        title = f"{view.get_column_name(name)}: {gettext('Yes') if value else gettext('No')}"
        shown[key] = Markup('<span class="fa {}" title="{}"></span>').format(icon, title)
    return shown[key]
