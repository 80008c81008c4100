"""Opportunities, campaigns and projects written from plain values (services.records):
their columns, the records they name and their participants; the rules are the
screens' (services.sales.records)."""

from __future__ import annotations

from app.models import Campaign, Contact, Opportunity, Organisation, Project, User
from app.services import records
from app.services.sales import records as sales

PERIOD = frozenset({"name", "starts_on", "ends_on", "description"})


def _prepare_opportunity(opportunity: Opportunity, is_new: bool, user: User) -> None:
    sales.prepare_opportunity(opportunity, is_new=is_new, creator_id=user.id)


def _prepare_campaign(campaign: Campaign, _is_new: bool, _user: User) -> None:
    sales.prepare_campaign(campaign)


def _prepare_project(project: Project, is_new: bool, user: User) -> None:
    sales.prepare_project(project, is_new=is_new, creator_id=user.id)


def _set_participants(record: Campaign | Project, ids: list[int] | None, _user: User) -> None:
    record.participants = records.records_named(Contact, ids, "participant_ids")


OPPORTUNITY = records.Kind(
    model=Opportunity,
    columns=frozenset({"title", "amount", "currency", "stage", "expected_close_on"}),
    references={"organisation_id": Organisation, "contact_id": Contact, "owner_id": User},
    prepare=_prepare_opportunity)

CAMPAIGN = records.Kind(model=Campaign, columns=PERIOD,
                        setters={"participant_ids": _set_participants},
                        prepare=_prepare_campaign)

PROJECT = records.Kind(
    model=Project, columns=PERIOD,
    references={"organisation_id": Organisation, "owner_id": User},
    setters={"participant_ids": _set_participants}, prepare=_prepare_project)
