"""Opportunities, campaigns and projects (D10): what a contact takes part in besides
cases. The rules: a title or name is required, amounts are not negative, a period does
not end before it starts, the owner defaults to the creator, the currency to the one of
the tenant's language, an opportunity's organisation to its contact's organisation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, case, func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Campaign, Opportunity, Project
from app.models.sales import CURRENCIES, STAGES, campaign_contact, project_contact
from app.services.contacts.employments import current_people
from app.services.errors import ServiceError
from app.services.settings import tenant_language
from app.services.text import required_text

STAGE_LABELS = {
    "prospect": _l("Prospect"),
    "qualified": _l("Qualified"),
    "proposal": _l("Proposal"),
    "negotiation": _l("Negotiation"),
    "won": _l("Won"),
    "lost": _l("Lost"),
}
# Sorting by stage follows the sales pipeline, not the alphabet.
STAGE_ORDER = case({stage: position for position, stage in enumerate(STAGES)},
                   value=Opportunity.stage, else_=len(STAGES))

CURRENCY_OF_LANGUAGE = {"da": "DKK", "sv": "SEK", "pl": "PLN", "en": "EUR"}
FALLBACK_CURRENCY = "EUR"
LARGEST_AMOUNT = Decimal(10) ** 12
CENT = Decimal("0.01")

# The association table holding each model's participants, and its column naming it.
PARTICIPANT_LINKS: dict[type, tuple[Table, str]] = {
    Campaign: (campaign_contact, "campaign_id"),
    Project: (project_contact, "project_id"),
}


def default_currency() -> str:
    """The currency of the current tenant's default language."""
    return CURRENCY_OF_LANGUAGE.get(tenant_language(), FALLBACK_CURRENCY)


def stage_label(stage: str) -> str:
    return str(STAGE_LABELS.get(stage, stage))


def prepare_opportunity(opportunity: Opportunity, *, is_new: bool,
                        creator_id: int | None = None) -> None:
    """Normalise, validate and complete an opportunity before it is saved."""
    with db.session.no_autoflush:  # the checks must not flush the unsaved record
        opportunity.title = required_text(opportunity.title, "title")
        check_amount(opportunity.amount)
        if opportunity.amount is not None:
            opportunity.amount = Decimal(opportunity.amount).quantize(CENT)
        opportunity.currency = opportunity.currency or default_currency()
        if opportunity.currency not in CURRENCIES:
            raise ServiceError(_l("Unknown currency."), field="currency")
        opportunity.stage = opportunity.stage or STAGES[0]
        if opportunity.stage not in STAGES:
            raise ServiceError(_l("Unknown stage."), field="stage")
        no_organisation = opportunity.organisation is None and opportunity.organisation_id is None
        if no_organisation and opportunity.contact is not None:
            opportunity.organisation = opportunity.contact.organisation
        _default_owner(opportunity, is_new, creator_id)


def prepare_campaign(campaign: Campaign) -> None:
    campaign.name = required_text(campaign.name, "name")
    check_period(campaign.starts_on, campaign.ends_on)


def prepare_project(project: Project, *, is_new: bool, creator_id: int | None = None) -> None:
    with db.session.no_autoflush:
        project.name = required_text(project.name, "name")
        check_period(project.starts_on, project.ends_on)
        _default_owner(project, is_new, creator_id)


def check_amount(amount: Decimal | None) -> None:
    if amount is None:
        return
    if amount < 0:
        raise ServiceError(_l("The amount cannot be negative."), field="amount")
    if amount >= LARGEST_AMOUNT:  # the column holds 12 digits before the decimal mark
        raise ServiceError(_l("The amount is too large."), field="amount")


def check_period(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise ServiceError(_l("The end date cannot be before the start date."),
                           field="ends_on")


def _default_owner(record: Opportunity | Project, is_new: bool, creator_id: int | None) -> None:
    """A new record without an owner belongs to whoever creates it."""
    if is_new and record.owner is None and record.owner_id is None:
        record.owner_id = creator_id


# --- participants ---------------------------------------------------------------------

def participant_count_expression(model: type[Campaign | Project]):
    """The number of participants as a correlated subquery: a list sorts on it."""
    table, key = PARTICIPANT_LINKS[model]
    return (select(func.count()).select_from(table)
            .where(table.c[key] == model.id).scalar_subquery())


def participant_counts(model: type[Campaign | Project], record_ids: Sequence[int]
                       ) -> dict[int, int]:
    """Participants per record, for a page of records in one query."""
    if not record_ids:
        return {}
    table, key = PARTICIPANT_LINKS[model]
    rows = db.session.execute(
        select(table.c[key], func.count()).where(table.c[key].in_(record_ids))
        .group_by(table.c[key]))
    return {record_id: count for record_id, count in rows}


# --- what a contact takes part in -----------------------------------------------------

@dataclass(frozen=True)
class Related:
    opportunities: list[Opportunity]
    campaigns: list[Campaign]
    projects: list[Project]

    def __bool__(self) -> bool:
        return bool(self.opportunities or self.campaigns or self.projects)


def related_to_contact(contact_id: int) -> Related:
    """The contact's opportunities, campaigns and projects: three queries."""
    opportunities = db.session.scalars(
        select(Opportunity).where(Opportunity.contact_id == contact_id)
        .options(joinedload(Opportunity.organisation))
        .order_by(Opportunity.expected_close_on.desc().nulls_last(),
                  Opportunity.id.desc())).all()
    return Related(list(opportunities), _taking_part(Campaign, contact_id),
                   _taking_part(Project, contact_id, joinedload(Project.organisation)))


def related_to_organisation(organisation_id: int) -> Related:
    """B13: the organisation's opportunities and projects, and the campaigns its
    current people take part in: three queries."""
    table, key = PARTICIPANT_LINKS[Campaign]
    campaigns = db.session.scalars(
        select(Campaign).where(Campaign.id.in_(
            select(table.c[key]).where(table.c.contact_id.in_(current_people(organisation_id)))))
        .order_by(Campaign.starts_on.desc().nulls_last(), Campaign.id.desc())).all()
    return Related(_of_organisation(Opportunity, organisation_id, Opportunity.expected_close_on),
                   list(campaigns), _of_organisation(Project, organisation_id, Project.starts_on))


def _of_organisation(model: type[Opportunity | Project], organisation_id: int,
                     newest: Any) -> list:
    return list(db.session.scalars(
        select(model).where(model.organisation_id == organisation_id)
        .options(joinedload(model.organisation))
        .order_by(newest.desc().nulls_last(), model.id.desc())))


def _taking_part(model: type[Campaign | Project], contact_id: int, *load_options) -> list:
    table, key = PARTICIPANT_LINKS[model]
    return list(db.session.scalars(
        select(model).options(*load_options).join(table, table.c[key] == model.id)
        .where(table.c.contact_id == contact_id)
        .order_by(model.starts_on.desc().nulls_last(), model.id.desc())))
