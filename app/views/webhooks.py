"""The tenant administrator's webhooks (/admin/webhooks/): registered (the secret shown
on that answer only), listed with their state, enabled, disabled and deleted (after a
page asking to confirm); each one's deliveries, a page at a time, with their state,
attempts and the receiver's answer, and "Send again"."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectMultipleField, StringField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from app import webhook_jobs  # noqa: F401 - the delivery job kind, registered
from app.forms import TranslatedFlaskForm
from app.models import Webhook, WebhookDelivery
from app.models.webhook import DELIVERED, FAILED, INTERRUPTED, PENDING
from app.services import webhooks
from app.transactions import commit_or_refuse
from app.views.base import ADMIN, SecureBaseView, record_id, show_refusal
from app.views.screens import flash_refusal, get_or_404

STATUS_LABELS = {PENDING: _l("Being sent"), DELIVERED: _l("Delivered"), FAILED: _l("Failed"),
                 INTERRUPTED: _l("Interrupted")}


def _event_choices() -> list[tuple[str, str]]:
    return [(event, f"{entity}: {action}")
            for event, (entity, action) in webhooks.EVENT_LABELS.items()]


class WebhookForm(TranslatedFlaskForm):
    url = StringField(_l("URL"), validators=[Length(max=500)],
                      render_kw={"placeholder": "https://example.com/kontakt-hooks"})
    events = SelectMultipleField(_l("Events"), choices=_event_choices,
                                 widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput(), validate_choice=False)


class WebhooksView(SecureBaseView):
    access = ADMIN

    @expose("/")
    def index(self) -> str:
        return self._page(WebhookForm(formdata=None))

    def _page(self, form: WebhookForm, new_secret: str | None = None) -> str:
        return self.render("kontakt/webhooks/list.html", hooks=webhooks.webhooks(),
                           form=form, new_secret=new_secret, csrf_form=TranslatedFlaskForm(),
                           event_labels=dict(_event_choices()))

    @expose("/", methods=("POST",))
    def create(self) -> str:
        """The secret is shown on this answer only: no redirect to a page needing it."""
        form = WebhookForm()
        if form.validate_on_submit():
            outcome = commit_or_refuse(
                lambda: webhooks.register(form.url.data or "", form.events.data or [],
                                          current_user._get_current_object()),
                lambda exc: show_refusal(form, exc))
            if outcome:
                flash(_("The webhook was registered."), "success")
                return self._page(WebhookForm(formdata=None), outcome.value[1])
        return self._page(form)

    @expose("/<webhook_id>/")
    def deliveries(self, webhook_id: str) -> str:
        """The log a page at a time: ``before``/``after`` a delivery's id (a cursor
        that is not an id shows the newest page)."""
        hook = get_or_404(Webhook, webhook_id)
        page = webhooks.deliveries_page(hook, before=record_id(request.args.get("before")),
                                        after=record_id(request.args.get("after")))
        return self.render("kontakt/webhooks/deliveries.html", hook=hook, page=page,
                           status_labels=STATUS_LABELS, csrf_form=TranslatedFlaskForm(),
                           may_send_again=webhooks.may_send_again,
                           page_size=webhooks.PAGE_SIZE,
                           log_days=int(current_app.config["WEBHOOK_LOG_DAYS"]))

    @expose("/<webhook_id>/delete", methods=("GET", "POST"))
    def delete(self, webhook_id: str) -> Response | str:
        """Asks first (saying how many deliveries go with it); the POST deletes."""
        hook = get_or_404(Webhook, webhook_id)
        form = TranslatedFlaskForm()
        if form.validate_on_submit() and commit_or_refuse(
                lambda: webhooks.delete_webhook(hook), flash_refusal):
            flash(_("The webhook was deleted."), "success")
            return redirect(url_for(".index"))
        total, pending = webhooks.delivery_counts(hook)
        return self.render("kontakt/webhooks/delete.html", hook=hook, form=form,
                           total=total, pending=pending)

    @expose("/<webhook_id>/<any(enable, disable):change>", methods=("POST",))
    def set_active(self, webhook_id: str, change: str) -> Response:
        hook = get_or_404(Webhook, webhook_id)
        if TranslatedFlaskForm().validate_on_submit() and commit_or_refuse(
                lambda: webhooks.set_active(hook, change == "enable"), flash_refusal):
            flash(_("The webhook was enabled.") if change == "enable"
                  else _("The webhook was disabled."), "success")
        return redirect(url_for(".index"))

    @expose("/deliveries/<delivery_id>/send-again", methods=("POST",))
    def send_again(self, delivery_id: str) -> Response:
        delivery = get_or_404(WebhookDelivery, delivery_id)
        webhook_id = delivery.webhook_id
        if TranslatedFlaskForm().validate_on_submit() and commit_or_refuse(
                lambda: webhooks.send_again(delivery), flash_refusal):
            flash(_("The delivery is being sent again."), "success")
        return redirect(url_for(".deliveries", webhook_id=webhook_id))
