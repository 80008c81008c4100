"""The logged-in user's own API tokens ("My API tokens", from the user menu): made,
listed by their visible prefix, and revoked."""

from __future__ import annotations

from flask import url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.forms import TranslatedFlaskForm
from app.services import api_tokens
from app.views.base import SecureBaseView
from app.views.user_secrets import make_secret, name_form, revoke_secret

ApiTokenForm = name_form(_l("System or program"), _l("e.g. ERP sync"))


class ApiTokensView(SecureBaseView):
    """Reached from the user menu rather than the main menu."""

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self):
        return self._page(ApiTokenForm(formdata=None))

    def _page(self, token_form: TranslatedFlaskForm, new_token: str | None = None):
        return self.render(
            "kontakt/api_tokens.html", tokens=api_tokens.of_user(current_user),
            token_form=token_form, new_token=new_token, form=TranslatedFlaskForm(),
            openapi_url=url_for("api-docs.openapi_json", _external=True))

    @expose("/", methods=["POST"])
    def create(self):
        return make_secret(ApiTokenForm(), api_tokens.create, self._page)

    @expose("/revoke/", methods=["POST"])
    def revoke(self):
        return revoke_secret("token_id", api_tokens.revoke, _(
            "The API token was revoked: programs using it can no longer use the API."))
