"""The logged-in user's own feed addresses: address book and calendar."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user

from app.forms import TranslatedFlaskForm
from app.services import feeds
from app.transactions import commit_or_refuse
from app.views.base import SecureBaseView
from app.views.screens import flash_refusal


class FeedsView(SecureBaseView):
    """Reached from the user menu rather than the main menu."""

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self):
        # the first visit makes the user's token: the one write of this page
        token = commit_or_refuse(lambda: feeds.feed_token(current_user)).value
        return self.render(
            "kontakt/feeds.html",
            address_book_url=url_for("feeds.address_book", token=token, _external=True),
            calendar_url=url_for("feeds.planned_activities", token=token, _external=True),
            form=TranslatedFlaskForm())

    @expose("/regenerate/", methods=["POST"])
    def regenerate(self):
        if TranslatedFlaskForm().validate_on_submit() and commit_or_refuse(
                lambda: feeds.regenerate_token(current_user), flash_refusal):
            flash(_("New feed addresses were made; the old ones no longer work."), "success")
        return redirect(url_for(".index"))
