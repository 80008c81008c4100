"""The screens' side of a user's secrets for programs (API tokens, app passwords):
making one, shown on that answer only, and revoking one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, request, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.forms import TranslatedFlaskForm
from app.services import user_secrets
from app.services.text import record_id
from app.transactions import commit_or_refuse
from app.views.base import show_refusal
from app.views.screens import flash_refusal


def name_form(label: Any, example: Any) -> type[TranslatedFlaskForm]:
    """The form naming a new secret (``label``: what it is for, ``example``: a name)."""
    class SecretNameForm(TranslatedFlaskForm):
        name = StringField(label, validators=[
            DataRequired(), Length(max=user_secrets.NAME_LENGTH)],
            render_kw={"placeholder": example})

    return SecretNameForm


def make_secret(form: TranslatedFlaskForm, make: Callable[[Any, str], tuple[Any, str]],
                page: Callable[..., Any]) -> Any:
    """The new secret is shown on this answer only (it is stored hashed, so it cannot
    be shown again): no redirect to a page that would need it."""
    if form.validate_on_submit():
        outcome = commit_or_refuse(lambda: make(current_user, form.name.data),
                                   lambda exc: show_refusal(form, exc))
        if outcome:
            return page(type(form)(formdata=None), outcome.value[1])
    return page(form)


def revoke_secret(id_field: str, revoke: Callable[[Any, int | None], Any],
                  done: str) -> Any:
    number = record_id(request.form.get(id_field, ""))
    if TranslatedFlaskForm().validate_on_submit() and commit_or_refuse(
            lambda: revoke(current_user, number), flash_refusal):
        flash(done, "success")
    return redirect(url_for(".index"))


