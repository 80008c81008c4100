"""Leads (B14): the list every member of the tenant works through, a lead typed in by
hand, and the two decisions on a lead: accept (a contact with a case) or reject (with a
reason). The rules live in services.leads."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import Length

from app.forms import TranslatedFlaskForm
from app.models import Lead
from app.models.lead import LEAD_ACCEPTED, LEAD_NEW, LEAD_REJECTED, LEAD_STATUSES
from app.services.errors import ServiceError
from app.services.settings import user_may_edit
from app.services.terms import lazy_term
from app.services.work import leads
from app.transactions import Outcome, commit_or_refuse
from app.views.base import SecureModelView
from app.views.fields import FIELD_LABELS, lead_source_options
from app.views.formatters import link_formatter, phone_formatter, time_formatter
from app.views.screens import GroupedErrorsForm, get_or_404, show_error

STATUS_LABELS = {LEAD_NEW: _l("New"), LEAD_ACCEPTED: _l("Accepted"),
                 LEAD_REJECTED: _l("Rejected")}
STATUS_BADGES = {LEAD_NEW: "badge-primary", LEAD_ACCEPTED: "badge-success",
                 LEAD_REJECTED: "badge-secondary"}
LEAD_LABELS = {
    **FIELD_LABELS,
    "company": _l("Company"),
    "source": _l("Source"),
    "message": _l("Message"),
    "received_at": _l("Received"),
    "status": _l("Status"),
    "reject_reason": _l("Reason for rejection"),
    "contact": lazy_term("singular"),
    "case": _l("Case"),
    "decided_by": _l("Decided by"),
    "decided_at": _l("Decided"),
}


def status_options() -> list[tuple[str, str]]:
    return [(status, str(STATUS_LABELS[status])) for status in LEAD_STATUSES]


def status_badge(view, context, model: Lead, name) -> Markup:
    return Markup('<span class="badge {}">{}</span>').format(
        STATUS_BADGES.get(model.status, ""), STATUS_LABELS.get(model.status, model.status))


def message_formatter(view, context, model: Lead, name: str) -> Markup:
    return Markup('<div class="kontakt-message">{}</div>').format(model.message or "")


class RejectForm(GroupedErrorsForm):
    groups = ()
    reason = TextAreaField(_l("Reason for rejection"), validators=[Length(max=2000)])


class LeadView(SecureModelView):
    details_template = "kontakt/leads/details.html"
    can_delete = False  # a lead is decided, never removed: rejection keeps the reason
    column_list = ("name", "company", "email", "phone", "source", "received_at", "status")
    column_sortable_list = column_list
    column_default_sort = ("received_at", True)
    column_searchable_list = ("name", "company", "email")
    column_filters = (
        FilterEqual(Lead.status, _l("Status"), options=status_options),
        FilterEqual(Lead.source, _l("Source"), options=lead_source_options),
        "received_at",
    )
    column_details_list = ("status", "received_at", "name", "company", "email", "phone",
                           "source", "message", "contact", "case", "decided_by",
                           "decided_at", "reject_reason")
    column_labels = LEAD_LABELS
    column_formatters = {
        "status": status_badge,
        "phone": phone_formatter,
        "received_at": time_formatter,  # when a lead came in matters to the hour
        "decided_at": time_formatter,
        "message": message_formatter,
        "contact": link_formatter("contact"),
        "case": link_formatter("case"),
    }
    form_columns = ("name", "company", "email", "phone", "source", "message")
    column_auto_select_related = False  # the list shows the lead's own columns only

    details_load_options = (joinedload(Lead.contact), joinedload(Lead.case),
                            joinedload(Lead.decided_by))

    def on_model_change(self, form, model: Lead, is_created: bool) -> None:
        leads.prepare(model, is_new=is_created)
        super().on_model_change(form, model, is_created)

    def after_model_change(self, form, model: Lead, is_created: bool) -> None:
        self.flash_saved(_("The lead %(name)s was saved.", name=model.name))

    def render(self, template, **kwargs):
        kwargs.setdefault("may_accept", user_may_edit("contacts", current_user))
        kwargs.setdefault("decision_form", TranslatedFlaskForm())
        return super().render(template, **kwargs)

    # --- decisions ---

    def _details(self, lead: Lead) -> Response:
        return redirect(url_for(".details_view", id=lead.id))

    def _decide(self, form: GroupedErrorsForm | None, action) -> Outcome:
        """Run a decision in one transaction: committed whole or rolled back whole."""
        def refused(exc: ServiceError) -> None:
            if form is not None:
                show_error(form, exc)
            else:
                flash(_refusal(exc), "error")

        return commit_or_refuse(action, refused)

    @expose("/<int:lead_id>/accept/", methods=("POST",))
    def accept_view(self, lead_id: int) -> Response:
        lead = get_or_404(Lead, lead_id)
        if not user_may_edit("contacts", current_user):
            abort(403)  # accepting creates a contact: the tenant's edit rights apply
        if not TranslatedFlaskForm().validate_on_submit():
            abort(400)
        made = self._decide(None, lambda: leads.accept(lead, _user()))
        if made:
            flash(_("The lead was accepted: %(case)s for %(contact)s.", case=made.value,
                    contact=made.value.primary_contact.full_name), "success")
        return self._details(lead)

    @expose("/<int:lead_id>/reject/", methods=("GET", "POST"))
    def reject_view(self, lead_id: int) -> Response | str:
        lead = get_or_404(Lead, lead_id)
        if lead.status != LEAD_NEW:
            flash(_("This lead has already been accepted or rejected."), "error")
            return self._details(lead)
        form = RejectForm()
        if form.validate_on_submit() and self._decide(
                form, lambda: leads.reject(lead, form.reason.data, _user())):
            flash(_("The lead was rejected."), "success")
            return self._details(lead)
        return self.render("kontakt/leads/reject.html", form=form, lead=lead)


def _user():
    return current_user._get_current_object()


def _refusal(exc: ServiceError) -> str:
    """The refusal with the lead field it concerns, as the user knows the field."""
    label = LEAD_LABELS.get(exc.field) if exc.field else None
    return f"{label}: {exc}" if label else str(exc)
