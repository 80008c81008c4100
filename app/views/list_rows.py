"""A list page's rows built in one pass, in Python, with what every row shares worked
out once per request.

Flask-Admin's list template renders each cell through Jinja: per row it calls the row
action macros (each building its URLs with ``url_for`` and the delete form with its
hidden fields and translated texts), translates the check box's title, and per cell
looks the column's formatter and type formatter up again. At 50 rows of a dozen
columns that was most of a list request. Here the row actions are rendered once, for a
stand-in id that each row's own id then replaces; the translated texts once; and each
column's way to its value (formatter, choices, type formatter) is resolved once.

The HTML is the same as the template's (``kontakt/model_list.html`` before): the same
cells, the same names and labels, every value escaped unless a formatter made it markup."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, has_request_context
from flask_admin.babel import gettext as admin_gettext
from flask_admin.model.template import BaseListRowAction
from jinja2 import Undefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

# Stands for a row's id in the row actions rendered once: letters only, so neither URL
# quoting nor HTML escaping changes it, and no real URL or label holds it.
ROW_ID_STAND_IN = "kontaktRowIdStandIn"


# The page's one delete form (kontakt/model_list.html), which each row's button sends.
ROW_DELETE_FORM = "kontakt-delete-row"


class SharedFormDeleteRowAction(BaseListRowAction):
    """A row's delete button, sending the page's one delete form with the row's id (the
    button's ``form``, ``name`` and ``value``); the form asks before it is sent.
    Flask-Admin's draws a form of its own in every row — hidden id, return URL, token
    and question: about 480 of a contact row's 1,560 bytes."""

    def __init__(self) -> None:
        super().__init__(admin_gettext("Delete Record"))

    def render(self, context: Context, row_id: str, row: Any) -> Markup:
        return Markup(
            '<button type="submit" form="{form}" name="id" value="{id}" class="icon" '
            'title="{title}"><span class="fa fa-trash glyphicon glyphicon-trash"></span>'
            '</button>').format(form=ROW_DELETE_FORM, id=row_id, title=self.title)


# --- the in-place editors' choices, written once per page ------------------------------

def choice_list_ref(choices: str) -> str:
    """The id of the page's element holding these choices (JSON text), which each
    in-place editor of them names (``data-source-ref``) instead of carrying them: a
    list of 50 tasks wrote its statuses, priorities and users 50 times each."""
    lists = g.setdefault("editor_choice_lists", {}) if has_request_context() else {}
    return lists.setdefault(choices, f"kontakt-choices-{len(lists) + 1}")


def editor_choice_lists() -> list[tuple[str, str]]:
    """The page's lists of choices as (id, JSON text), for its template to write once
    (kontakt/model_list.html; static/kontakt/behaviours.js hands them to the editors)."""
    return [(ref, choices) for choices, ref in g.get("editor_choice_lists", {}).items()]


class _StandInRow:
    """A row whose every attribute (its primary key included) is the stand-in id."""

    def __getattr__(self, name: str) -> str:
        return ROW_ID_STAND_IN

    def __str__(self) -> str:
        return ROW_ID_STAND_IN


class ListRows:
    """The cells of each row of one list page: ``{{ list_rows(row) }}`` in the row."""

    def __init__(self, view: Any, list_columns: list[tuple[str, str]],
                 list_forms: dict[Any, Any] | None) -> None:
        self.view = view
        editable = set(view.column_editable_list or ())
        self.columns = [(Markup('<td class="col-{}">').format(name),
                         view.list_cell_function(name), name if name in editable else None)
                        for name, _label in list_columns]
        self.list_forms = list_forms or {}
        self.prefix: Callable[[Any, str], str] | None = None  # set by the first row
        self.csrf = ""

    @pass_context
    def __call__(self, context: Context, row: Any) -> Markup:
        if self.prefix is None:
            self._prepare(context)
        pk = self.view.get_pk_value(row)
        parts = [self.prefix(row, str(escape(pk)))]  # type: ignore[misc]
        for opening, value_of, editable in self.columns:
            value = value_of(row)
            if editable is not None:
                value = self.list_forms[pk][editable](pk=pk, display_value=value, csrf=self.csrf)
            parts.append(f"{opening}{escape(value)}</td>")
        return Markup("".join(parts))

    def _prepare(self, context: Context) -> None:
        """What every row shares: the check box's texts, the row actions, the token."""
        checkbox = ""
        if context.resolve("actions"):
            title = _braces(context.resolve("_gettext")("Select record"))
            checkbox = str(Markup(
                '<td><input type="checkbox" name="rowid" class="action-checkbox" value="{{pk}}" '
                'title="{0}" aria-label="{0}: {{label}}"></td>').format(title))
        buttons = ""
        if self.view.column_display_actions:
            rendered = "".join(str(action.render(context, ROW_ID_STAND_IN, _StandInRow())).strip()
                               for action in context.resolve("list_row_actions"))
            buttons = f'<td class="list-buttons-column">{rendered}</td>'
        self.csrf = _csrf_value(context)

        def prefix(row: Any, pk: str) -> str:
            # the check box names the row by its text (escaped), the buttons by its id
            start = checkbox.format(pk=pk, label=escape(row)) if checkbox else ""
            return start + buttons.replace(ROW_ID_STAND_IN, pk)

        self.prefix = prefix


def _braces(text: str) -> Markup:
    """Text, escaped, to go into a format string as it is."""
    return Markup(str(escape(text)).replace("{", "{{").replace("}", "}}"))


def _csrf_value(context: Context) -> str:
    """The token the in-place editors post, as Flask-Admin's template finds it."""
    forms = context.resolve("list_forms") or {}
    form = next(iter(forms.values()), None)
    token = getattr(form, "csrf_token", None) if form is not None else None
    if token:
        return token._value()
    make_token = context.resolve("csrf_token")
    return "" if isinstance(make_token, Undefined) or not make_token else make_token()
