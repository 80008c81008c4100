"""The logged-in user's own password (every user, the platform operator included),
reached from the user menu."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from app.auth import sessions
from app.forms import TranslatedFlaskForm
from app.services import accounts
from app.transactions import commit_or_refuse
from app.views.base import SecureBaseView, show_refusal


class PasswordForm(TranslatedFlaskForm):
    # Length(max) only keeps absurd input away from the hasher; the policy's own
    # maximum gives the clearer message.
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "new-password"})
    confirm_password = PasswordField(
        _l("Repeat the new password"), render_kw={"autocomplete": "new-password"},
        validators=[DataRequired(),
                    EqualTo("new_password", message=_l("The new passwords differ."))])


class PasswordView(SecureBaseView):
    def is_visible(self) -> bool:
        return False

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and current_user.is_active

    @expose("/", methods=["GET", "POST"])
    def index(self):
        form = PasswordForm()
        if form.validate_on_submit():
            user = current_user._get_current_object()
            if commit_or_refuse(lambda: accounts.change_password(
                    user, form.current_password.data, form.new_password.data),
                    lambda exc: show_refusal(form, exc)):
                sessions.keep_current(user)
                flash(_("Your password was changed. Every other session of yours has "
                        "ended."), "success")
                return redirect(url_for(".index"))
        return self.render("kontakt/password.html", form=form)
