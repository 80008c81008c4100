"""The logged-in user's own API tokens ("My API tokens", from the user menu): made,
listed by their visible prefix, and revoked."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.forms import TranslatedFlaskForm
from app.services import api_tokens, user_secrets
from app.services.text import record_id
from app.transactions import commit_or_refuse
from app.views.base import SecureBaseView, show_refusal
from app.views.screens import flash_refusal


class ApiTokenForm(TranslatedFlaskForm):
    name = StringField(_l("System or program"), validators=[
        DataRequired(), Length(max=user_secrets.NAME_LENGTH)],
        render_kw={"placeholder": _l("e.g. ERP sync")})


class ApiTokensView(SecureBaseView):
    """Reached from the user menu rather than the main menu."""

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self):
        return self._page(ApiTokenForm(formdata=None))

    def _page(self, token_form: ApiTokenForm, new_token: str | None = None):
        return self.render(
            "kontakt/api_tokens.html", tokens=api_tokens.of_user(current_user),
            token_form=token_form, new_token=new_token, form=TranslatedFlaskForm(),
            openapi_url=url_for("api-docs.openapi_json", _external=True))

    @expose("/", methods=["POST"])
    def create(self):
        """The new token is shown on this answer only (it is stored hashed, so it
        cannot be shown again): no redirect to a page that would need it."""
        form = ApiTokenForm()
        if form.validate_on_submit():
            outcome = commit_or_refuse(
                lambda: api_tokens.create(current_user, form.name.data),
                lambda exc: show_refusal(form, exc))
            if outcome:
                return self._page(ApiTokenForm(formdata=None), outcome.value[1])
        return self._page(form)

    @expose("/revoke/", methods=["POST"])
    def revoke(self):
        number = record_id(request.form.get("token_id", ""))
        if TranslatedFlaskForm().validate_on_submit() and commit_or_refuse(
                lambda: api_tokens.revoke(current_user, number), flash_refusal):
            flash(_("The API token was revoked: programs using it can no longer "
                    "use the API."), "success")
        return redirect(url_for(".index"))
