"""Lists whose columns each user chooses ("Columns" in the list's menu bar). The list's
``column_list`` (with the tenant's configurable columns) is what it offers;
``column_default_hidden`` what it leaves out until a user asks for it, so that the
default columns fit a 1,366-pixel screen. The choice is kept per user and list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import abort, flash, g, redirect, request
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user

from app.services import accounts
from app.transactions import commit_or_refuse
from app.views.admin_compat import PerRequestAttributes, startup_value
from app.views.base import SecureBaseView

# The lists that offer a choice of columns, by endpoint (filled as views are made).
CHOOSABLE: dict[str, ColumnChoiceMixin] = {}


class ColumnChoiceMixin(PerRequestAttributes):
    """Put first among a ModelView's bases: ``class ContactView(ColumnChoiceMixin, …)``."""

    column_default_hidden: tuple[str, ...] = ()
    offers_column_choice = True
    endpoint: str  # a ModelView's

    if TYPE_CHECKING:
        def is_accessible(self) -> bool: ...

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        CHOOSABLE[self.endpoint] = self

    def extend_for_request(self, name: str, static: Any) -> Any:
        columns = super().extend_for_request(name, static)
        if name != "list_columns" or g.get("every_column"):
            return columns
        return self._chosen(columns)

    def offered_columns(self) -> list[tuple[str, str]]:
        """Every column the list can show this user, in the list's order."""
        g.every_column = True
        try:
            return list(self.extend_for_request(
                "list_columns", startup_value(self, "_list_columns")))
        finally:
            g.every_column = False

    def shown_column_names(self) -> set[str]:
        return {name for name, _label in self._list_columns}

    def _chosen(self, columns: list[tuple[str, str]]) -> list[tuple[str, str]]:
        chosen = (getattr(current_user, "list_columns", None) or {}).get(self.endpoint)
        if chosen:
            shown = [column for column in columns if column[0] in chosen]
            return shown or columns
        return [column for column in columns if column[0] not in self.column_default_hidden]


def _back_to(url: str | None) -> str:
    """Only a path of this application's lists, never another site."""
    parts = urlsplit(url or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin/"):
        return "/admin/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


class ColumnsView(SecureBaseView):
    """Where a list's "Columns" form is posted."""

    def is_visible(self) -> bool:
        return False

    @expose("/", methods=("POST",))
    def index(self):
        view = CHOOSABLE.get(request.form.get("list", ""))
        if view is None or not view.is_accessible():
            abort(404)
        chosen = [] if request.form.get("reset") else request.form.getlist("columns")
        offered = [name for name, _label in view.offered_columns()]
        user = current_user._get_current_object()
        if commit_or_refuse(lambda: accounts.choose_list_columns(
                user, view.endpoint, chosen, offered),
                lambda exc: flash(str(exc), "error")):
            flash(_("The list shows the columns you chose.") if chosen else
                  _("The list shows its default columns."), "success")
        return redirect(_back_to(request.form.get("next")))
