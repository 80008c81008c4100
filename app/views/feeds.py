"""The logged-in user's own feed addresses (address book and calendar) and the CardDAV
address book with its app passwords."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.forms import TranslatedFlaskForm
from app.services import app_passwords, feeds, user_secrets
from app.services.text import record_id
from app.transactions import commit_or_refuse
from app.views.base import SecureBaseView, show_refusal
from app.views.screens import flash_refusal


class AppPasswordForm(TranslatedFlaskForm):
    name = StringField(_l("Device or program"), validators=[
        DataRequired(), Length(max=user_secrets.NAME_LENGTH)],
        render_kw={"placeholder": _l("e.g. iPhone")})


class FeedsView(SecureBaseView):
    """Reached from the user menu rather than the main menu."""

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self):
        return self._page(AppPasswordForm(formdata=None))

    def _page(self, password_form: AppPasswordForm, new_password: str | None = None):
        # the first visit makes the user's token: the one write of this page
        token = commit_or_refuse(lambda: feeds.feed_token(current_user)).value
        return self.render(
            "kontakt/feeds.html",
            address_book_url=url_for("feeds.address_book", token=token, _external=True),
            calendar_url=url_for("feeds.planned_activities", token=token, _external=True),
            carddav_url=url_for("carddav.root", _external=True),
            app_passwords=app_passwords.of_user(current_user),
            password_form=password_form, new_password=new_password,
            form=TranslatedFlaskForm())

    @expose("/regenerate/", methods=["POST"])
    def regenerate(self):
        if TranslatedFlaskForm().validate_on_submit() and commit_or_refuse(
                lambda: feeds.regenerate_token(current_user), flash_refusal):
            flash(_("New feed addresses were made; the old ones no longer work."), "success")
        return redirect(url_for(".index"))

    @expose("/app-passwords/", methods=["POST"])
    def create_app_password(self):
        """The new password is shown on this answer only (never stored but hashed, so it
        cannot be shown again): no redirect to a page that would need it."""
        form = AppPasswordForm()
        if form.validate_on_submit():
            outcome = commit_or_refuse(
                lambda: app_passwords.create(current_user, form.name.data),
                lambda exc: show_refusal(form, exc))
            if outcome:
                return self._page(AppPasswordForm(formdata=None), outcome.value[1])
        return self._page(form)

    @expose("/app-passwords/revoke/", methods=["POST"])
    def revoke_app_password(self):
        number = record_id(request.form.get("password_id", ""))
        if TranslatedFlaskForm().validate_on_submit() and commit_or_refuse(
                lambda: app_passwords.revoke(current_user, number), flash_refusal):
            flash(_("The app password was revoked: programs using it can no longer "
                    "log in."), "success")
        return redirect(url_for(".index"))
