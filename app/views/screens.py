"""What the administrators' own screens (fields, dictionaries) share: a label input per
language, forms whose refusals may name a group of inputs, loading the record a URL
names (404 for another tenant's), and running a service call with commit or rollback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import Length

from app.config import LANGUAGES
from app.extensions import db
from app.forms import TranslatedFlaskForm
from app.i18n import LANGUAGE_NAMES
from app.services.errors import ServiceError
from app.transactions import Outcome, commit_or_refuse
from app.views.base import SecureBaseView, record_id, show_refusal

STEPS = {"up": -1, "down": 1}


def language_input(lang: str, length: int) -> StringField:
    return StringField(LANGUAGE_NAMES[lang], validators=[Length(max=length)])


class LabelFields:
    """A label in each language: label_da, label_sv, label_pl, label_en."""

    label_da = language_input("da", 200)
    label_sv = language_input("sv", 200)
    label_pl = language_input("pl", 200)
    label_en = language_input("en", 200)


class GroupedErrorsForm(TranslatedFlaskForm):
    """A form whose service errors may name a group of inputs (``groups``) rather than
    one input; those messages are kept in ``group_errors`` for the template."""

    groups: tuple[str, ...] = ("labels",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.group_errors: dict[str, list[str]] = {}


def language_values(form: Any, prefix: str) -> dict[str, str]:
    """{language: text} from the inputs ``<prefix>_da`` … ``<prefix>_en``."""
    return {lang: getattr(form, f"{prefix}_{lang}").data or "" for lang in LANGUAGES}


def language_data(prefix: str, texts: dict[str, str] | None) -> dict[str, str]:
    """Form data for the inputs ``<prefix>_da`` … from stored {language: text}."""
    return {f"{prefix}_{lang}": (texts or {}).get(lang, "") for lang in LANGUAGES}


def show_error(form: GroupedErrorsForm, exc: ServiceError) -> None:
    """Beside the named input or group of inputs, else as a flashed message."""
    if exc.field in form.groups:
        form.group_errors.setdefault(exc.field, []).append(str(exc))
    else:
        show_refusal(form, exc)


def get_or_404(model: type, row_id: Any) -> Any:
    """The row, or 404 for a missing id, another tenant's, or one too big for the column."""
    if record_id(row_id) is None:
        abort(404)
    return db.session.get(model, row_id) or abort(404)


def flash_refusal(exc: ServiceError) -> None:
    flash(str(exc), "error")


class ServiceScreenView(SecureBaseView):
    """A screen whose every change is one service call, committed when the rules accept
    it and rolled back with the reason shown when they refuse it."""

    def back_url(self, place: str) -> str:
        """Where a change on ``place`` (an entity, a dictionary …) returns to."""
        raise NotImplementedError

    def after_rollback(self) -> None:
        """Forget what was cached from the undone change (override)."""

    def _back(self, place: str) -> Response:
        return redirect(self.back_url(place))

    def _attempt(self, form: GroupedErrorsForm | None, action: Callable[[], Any]) -> Outcome:
        """Run a service call and commit; on a refusal undo it and show why."""
        def refused(exc: ServiceError) -> None:
            self.after_rollback()
            if form is None:
                flash(str(exc), "error")
            else:
                show_error(form, exc)

        return commit_or_refuse(action, refused)

    def _submitted(self, form: GroupedErrorsForm, action: Callable[[], Any], message: str,
                   place: str) -> Response | None:
        """A posted form's service call: once committed, ``message`` and back to
        ``place``; None while the form is not posted, or refused (it then says why)."""
        if form.validate_on_submit() and self._attempt(form, action):
            flash(message, "success")
            return self._back(place)
        return None

    def _button(self, place: str, action: Callable[[], Any], message: str) -> Response:
        """A POST button: the change, a flashed result, back to the list."""
        if not TranslatedFlaskForm().validate_on_submit():
            abort(400)
        if self._attempt(None, action):
            flash(message, "success")
        return self._back(place)
