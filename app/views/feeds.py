"""The logged-in user's own feed addresses (address book and calendar) and the CardDAV
address book with its app passwords."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.forms import TranslatedFlaskForm
from app.services import app_passwords, feeds
from app.transactions import commit_or_refuse
from app.views.base import SecureBaseView
from app.views.screens import flash_refusal
from app.views.user_secrets import make_secret, name_form, revoke_secret

AppPasswordForm = name_form(_l("Device or program"), _l("e.g. iPhone"))


class FeedsView(SecureBaseView):
    """Reached from the user menu rather than the main menu."""

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self):
        return self._page(AppPasswordForm(formdata=None))

    def _page(self, password_form: TranslatedFlaskForm, new_password: str | None = None):
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
        return make_secret(AppPasswordForm(), app_passwords.create, self._page)

    @expose("/app-passwords/revoke/", methods=["POST"])
    def revoke_app_password(self):
        return revoke_secret("password_id", app_passwords.revoke, _(
            "The app password was revoked: programs using it can no longer log in."))
