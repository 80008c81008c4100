"""Opportunities, campaigns and projects (D10): simple but complete CRUD screens.

Contacts and organisations are chosen by typing (``form_ajax_refs``), never from a
drop-down of every record: a tenant may have a million contacts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import g, request, url_for
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual
from flask_babel import format_currency, format_date, format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import DecimalField
from wtforms.widgets import TextInput

from app.extensions import db
from app.models import Campaign, Contact, Opportunity, Project, User
from app.models.sales import CURRENCIES, STAGES
from app.services.contacts import contacts
from app.services.sales import records as sales
from app.services.terms import lazy_term
from app.services.text import every_word_in
from app.views.admin_compat import ModelViewMixin
from app.views.base import SecureModelView
from app.views.fields import FIELD_LABELS, RECORD_TITLE, organisation_options, user_options
from app.views.formatters import link, link_formatter, plain
from app.views.lookups import contact_lookup, organisation_lookup
from app.views.work_fields import IdEqualFilter

SALES_LABELS = {
    **FIELD_LABELS,
    "title": RECORD_TITLE,
    "contact": lazy_term("singular"),
    "amount": _l("Amount"),
    "currency": _l("Currency"),
    "stage": _l("Stage"),
    "expected_close_on": _l("Expected close"),
    "owner": _l("Owner"),
    "starts_on": _l("Start date"),
    "ends_on": _l("End date"),
    "description": _l("Description"),
    "participants": _l("Participants"),
    "participant_count": _l("Participants"),
    "updated_at": _l("Changed"),
}
PARTICIPANTS_SHOWN = 100  # on a details page; the edit form holds them all


# --- choices, fields and filters ------------------------------------------------------

def stage_choices() -> list[tuple[str, str]]:
    return [(stage, sales.stage_label(stage)) for stage in STAGES]


CURRENCY_CHOICES = [(code, code) for code in CURRENCIES]


def tenant_users() -> list[User]:
    """Who may own a record: the tenant's users (the session keeps other tenants out)."""
    return list(db.session.scalars(select(User).order_by(User.full_name, User.email)))


def parse_amount(text: str) -> Decimal:
    """An amount typed the Danish, Swedish, Polish or English way: "1.234,50",
    "1 234,50", "1,234.50", "1234.5". One mark followed by exactly three digits groups
    thousands ("1.234" is 1234), as amounts in a currency have two decimals at most."""
    text = "".join(text.split()).replace("'", "")
    marks = [char for char in text if char in ",."]
    decimal_mark = marks[-1] if marks else ""
    if marks.count(decimal_mark) > 1 or (
            len(marks) == 1 and len(text.rpartition(decimal_mark)[2]) == 3):
        decimal_mark = ""  # the marks only group thousands
    whole, _, decimals = text.rpartition(decimal_mark) if decimal_mark else (text, "", "")
    grouping = set(marks) - {decimal_mark}
    if len(grouping) > 1:
        raise InvalidOperation(text)
    for mark in grouping:
        whole = whole.replace(mark, "")
    text = f"{whole}.{decimals}" if decimal_mark else whole
    amount = Decimal(text)  # InvalidOperation for anything else
    if not amount.is_finite():
        raise InvalidOperation(text)
    return amount


class AmountField(DecimalField):
    """A decimal field reading amounts as people type them in their language (a text
    input: a number input would take neither "1.234,50" nor show it)."""

    widget = TextInput(input_type="text")

    def process_formdata(self, valuelist) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = parse_amount(str(valuelist[0]))
        except InvalidOperation as exc:
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value.")) from exc

    def _value(self) -> str:
        """The amount as the language writes it ("1.234,50", "1 234,50"): parse_amount
        reads it back."""
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_decimal(self.data, format="#,##0.00##")


class ContactNameFilter(BaseSQLAFilter):
    """Records whose contact matches a name, e-mail or phone as the contact search does."""

    def apply(self, query, value, alias=None):
        condition = contacts.search_condition(value)
        if condition is None:
            return query
        return query.filter(self.column.in_(select(Contact.id).where(condition)))

    def operation(self):
        return _l("matches")


class ParticipantFilter(BaseSQLAFilter):
    """Campaigns or projects with a participant matching the contact search."""

    def __init__(self, model: type[Campaign | Project], name) -> None:
        super().__init__(model.id, name)
        self.model = model

    def apply(self, query, value, alias=None):
        condition = contacts.search_condition(value)
        if condition is None:
            return query
        table, key = sales.PARTICIPANT_LINKS[self.model]
        return query.filter(self.column.in_(
            select(table.c[key]).join(Contact, Contact.id == table.c.contact_id)
            .where(condition)))

    def operation(self):
        return _l("matches")


# --- formatters -----------------------------------------------------------------------

def amount_label(opportunity: Opportunity) -> str:
    """The amount with its currency, in the user's locale."""
    if opportunity.amount is None:
        return ""
    return format_currency(opportunity.amount, opportunity.currency)


def counted_participants(record) -> int:
    """The record's participants as counted for the page by ParticipantsMixin.get_list."""
    return g.get("participant_counts", {}).get(record.id, 0)


def participant_count(view, context, model, name) -> str:
    return format_decimal(counted_participants(model))


def participant_count_export(view, context, model, name) -> int:
    return counted_participants(model)


def owner_filter(model: type[Opportunity | Project]) -> IdEqualFilter:
    return IdEqualFilter(model.owner_id, _l("Owner"), options=user_options)


def organisation_filter(model: type[Opportunity | Project]) -> IdEqualFilter:
    return IdEqualFilter(model.organisation_id, _l("Organisation"), options=organisation_options)


def participant_links(view, context, model, name) -> Markup:
    shown = model.participants[:PARTICIPANTS_SHOWN]
    links = Markup("<br>").join(link(contact, "contact") for contact in shown)
    hidden = len(model.participants) - len(shown)
    if hidden > 0:
        links += Markup('<br><span class="text-muted">{}</span>').format(
            ngettext("and %(count)s more", "and %(count)s more", hidden,
                     count=format_decimal(hidden)))
    return links or Markup("—")


PARTICIPANT_FORMATTERS = {"participant_count": participant_count,
                          "participants": participant_links}
PARTICIPANT_EXPORT_FORMATTERS = {"participant_count": participant_count_export}


# --- what a contact takes part in (its details page) ----------------------------------

@dataclass(frozen=True)
class RelatedItem:
    label: str
    url: str
    details: str


@dataclass(frozen=True)
class RelatedSection:
    title: str
    items: list[RelatedItem]


def period_label(starts_on: date | None, ends_on: date | None) -> str:
    if starts_on is None and ends_on is None:
        return ""
    return " – ".join(format_date(day) if day else "…" for day in (starts_on, ends_on))


def _details(*parts) -> str:
    return " · ".join(str(part) for part in parts if part)


def related_sections(contact_id: int) -> list[RelatedSection]:
    """The contact's opportunities, campaigns and projects, ready to show."""
    return sections_of(sales.related_to_contact(contact_id))


def organisation_related_sections(organisation_id: int) -> list[RelatedSection]:
    """The organisation's opportunities, campaigns and projects, ready to show."""
    return sections_of(sales.related_to_organisation(organisation_id))


def sections_of(related: sales.Related) -> list[RelatedSection]:
    opportunities = [RelatedItem(o.title, url_for("opportunity.details_view", id=o.id),
                                 _details(sales.stage_label(o.stage), amount_label(o),
                                          o.organisation, o.expected_close_on
                                          and format_date(o.expected_close_on)))
                     for o in related.opportunities]
    campaigns = [RelatedItem(c.name, url_for("campaign.details_view", id=c.id),
                             period_label(c.starts_on, c.ends_on))
                 for c in related.campaigns]
    projects = [RelatedItem(p.name, url_for("project.details_view", id=p.id),
                            _details(p.organisation, period_label(p.starts_on, p.ends_on)))
                for p in related.projects]
    return [RelatedSection(_("Opportunities"), opportunities),
            RelatedSection(_("Campaigns"), campaigns),
            RelatedSection(_("Projects"), projects)]


# --- the views ------------------------------------------------------------------------

class SalesView(SecureModelView):
    """What the three screens share: every member of the tenant may create, edit and
    delete; lists load what they show in a fixed number of queries; search by title or
    name; export; lookups that name no record of the tenant are refused."""

    can_export = True
    export_types = ["csv", "xlsx"]
    column_labels = SALES_LABELS
    column_auto_select_related = False  # get_query loads exactly what the list shows
    column_default_sort = [("created_at", True), ("id", True)]
    search_field = "name"  # the title or name column
    saved_message: object  # a lazy text with %(name)s

    def search_condition(self, search: str):
        return every_word_in(search, getattr(self.model, self.search_field))

    def create_form(self, obj=None):
        form = super().create_form(obj)
        self.prefill_new(form)
        return form

    def prefill_new(self, form) -> None:
        """Defaults of a new record for the fields the request did not send."""
        if hasattr(form, "owner") and "owner" not in request.form:
            form.owner.data = db.session.get(User, current_user.id)

    def after_model_change(self, form, model, is_created: bool) -> None:
        self.flash_saved(str(self.saved_message) % {"name": str(model)})


class ParticipantsMixin(ModelViewMixin):
    """Campaigns and projects: participants chosen by typing, counted in lists."""

    def get_list(self, *args, **kwargs):
        count, records = super().get_list(*args, **kwargs)
        if isinstance(records, list):  # not the unexecuted query Flask-Admin may ask for
            g.participant_counts = sales.participant_counts(
                self.model, [record.id for record in records])
        return count, records


class OpportunityView(SalesView):
    saved_message = _l("Opportunity %(name)s was saved.")
    search_field = "title"
    column_list = ("title", "organisation", "contact", "amount", "stage",
                   "expected_close_on", "owner")
    column_sortable_list = (
        "title", ("organisation", "organisation.name"),
        ("contact", ("contact.last_name", "contact.first_name")), "amount",
        ("stage", sales.STAGE_ORDER), "expected_close_on", ("owner", "owner.full_name"))
    column_searchable_list = ("title",)
    column_filters = (
        "title",
        FilterEqual(Opportunity.stage, _l("Stage"), options=stage_choices),
        owner_filter(Opportunity), organisation_filter(Opportunity),
        ContactNameFilter(Opportunity.contact_id, lazy_term("singular")),
        FilterEqual(Opportunity.currency, _l("Currency"), options=CURRENCY_CHOICES),
        "amount", "expected_close_on", "created_at",
    )
    column_details_list = ("title", "organisation", "contact", "amount", "stage",
                           "expected_close_on", "owner", "created_at", "updated_at")
    column_export_list = ("title", "organisation", "contact", "amount", "currency", "stage",
                          "expected_close_on", "owner", "created_at")
    column_formatters = {
        "organisation": link_formatter("organisation"),
        "contact": link_formatter("contact"),
        "amount": lambda v, c, m, n: amount_label(m),
        "stage": lambda v, c, m, n: sales.stage_label(m.stage),
    }
    column_formatters_export = {
        "organisation": plain, "contact": plain, "owner": plain,
        "amount": lambda v, c, m, n: m.amount,
        "stage": lambda v, c, m, n: sales.stage_label(m.stage),
    }
    list_load_options = details_load_options = (
        joinedload(Opportunity.organisation), joinedload(Opportunity.contact),
        joinedload(Opportunity.owner))

    form_columns = ("title", "organisation", "contact", "amount", "currency", "stage",
                    "expected_close_on", "owner")
    form_ajax_refs = {"organisation": organisation_lookup("organisation"),
                      "contact": contact_lookup("contact")}
    # lazy labels: the form class is built once, the labels follow each request's language
    form_choices = {"stage": list(sales.STAGE_LABELS.items()), "currency": CURRENCY_CHOICES}
    form_overrides = {"amount": AmountField}
    form_args = {"owner": {"query_factory": tenant_users},
                 "amount": {"places": 2}}

    def prefill_new(self, form) -> None:
        super().prefill_new(form)
        if "currency" not in request.form:
            form.currency.data = sales.default_currency()

    def on_model_change(self, form, model: Opportunity, is_created: bool) -> None:
        sales.prepare_opportunity(model, is_new=is_created, creator_id=current_user.id)


class CampaignView(ParticipantsMixin, SalesView):
    saved_message = _l("Campaign %(name)s was saved.")
    column_list = ("name", "starts_on", "ends_on", "participant_count")
    column_sortable_list = ("name", "starts_on", "ends_on",
                            ("participant_count", sales.participant_count_expression(Campaign)))
    column_searchable_list = ("name",)
    column_filters = ("name", "starts_on", "ends_on",
                      ParticipantFilter(Campaign, _l("Participant")), "created_at")
    column_details_list = ("name", "starts_on", "ends_on", "description", "participants",
                           "created_at", "updated_at")
    column_export_list = ("name", "starts_on", "ends_on", "participant_count", "description")
    column_formatters = PARTICIPANT_FORMATTERS
    column_formatters_export = PARTICIPANT_EXPORT_FORMATTERS
    details_load_options = (
        selectinload(Campaign.participants).joinedload(Contact.organisation),)

    form_columns = ("name", "starts_on", "ends_on", "description", "participants")
    form_ajax_refs = {"participants": contact_lookup("participants")}

    def on_model_change(self, form, model: Campaign, is_created: bool) -> None:
        sales.prepare_campaign(model)


class ProjectView(ParticipantsMixin, SalesView):
    saved_message = _l("Project %(name)s was saved.")
    details_template = "kontakt/project_details.html"
    column_list = ("name", "organisation", "owner", "starts_on", "ends_on", "participant_count")
    column_sortable_list = (
        "name", ("organisation", "organisation.name"), ("owner", "owner.full_name"),
        "starts_on", "ends_on",
        ("participant_count", sales.participant_count_expression(Project)))
    column_searchable_list = ("name",)
    column_filters = (
        "name",
        organisation_filter(Project), owner_filter(Project),
        "starts_on", "ends_on", ParticipantFilter(Project, _l("Participant")), "created_at",
    )
    column_details_list = ("name", "organisation", "owner", "starts_on", "ends_on",
                           "description", "participants", "created_at", "updated_at")
    column_export_list = ("name", "organisation", "owner", "starts_on", "ends_on",
                          "participant_count", "description")
    column_formatters = {**PARTICIPANT_FORMATTERS, "organisation": link_formatter("organisation")}
    column_formatters_export = {**PARTICIPANT_EXPORT_FORMATTERS, "organisation": plain,
                                "owner": plain}
    list_load_options = (joinedload(Project.organisation), joinedload(Project.owner))
    details_load_options = (
        *list_load_options,
        selectinload(Project.participants).joinedload(Contact.organisation))

    form_columns = ("name", "organisation", "owner", "starts_on", "ends_on", "description",
                    "participants")
    form_ajax_refs = {"organisation": organisation_lookup("organisation"),
                      "participants": contact_lookup("participants")}
    form_args = {"owner": {"query_factory": tenant_users}}

    def on_model_change(self, form, model: Project, is_created: bool) -> None:
        sales.prepare_project(model, is_new=is_created, creator_id=current_user.id)
