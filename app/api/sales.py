"""Opportunities, campaigns and projects (D10)."""

from __future__ import annotations

from functools import cache
from typing import Any

import marshmallow as ma
from marshmallow import fields
from sqlalchemy.orm import selectinload

from app.api import Blueprint, blueprint, resources
from app.api.resources import Filter, Resource, id_filter, updated_since_filter
from app.api.schemas import Amount, RecordIds, RecordSchema, reference, required_text, text
from app.models import Campaign, Opportunity, Project
from app.models.sales import CURRENCIES, STAGES
from app.services.sales.kinds import CAMPAIGN, OPPORTUNITY, PROJECT
from app.services.text import every_word_in


class OpportunitySchema(RecordSchema):
    title = required_text(200)
    organisation_id = reference("By default the contact's organisation")
    contact_id = reference("A contact")
    amount = Amount(metadata={"description": "Not negative"})
    currency = fields.String(validate=ma.validate.OneOf(CURRENCIES), metadata={
        "description": "By default the one of the tenant's language"})
    stage = fields.String(validate=ma.validate.OneOf(STAGES))
    expected_close_on = fields.Date(allow_none=True)
    owner_id = reference("By default the user creating it")


class CampaignSchema(RecordSchema):
    name = required_text(200)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    description = text(100_000)
    participant_ids = RecordIds("participants", "The contacts taking part")


class ProjectSchema(CampaignSchema):
    organisation_id = reference("An organisation")
    owner_id = reference("By default the user creating it")


def _named(column: Any):
    return lambda words: every_word_in(words, column)


def _sorts(model: Any, name: str) -> dict[str, Any]:
    return {name: getattr(model, name), "created_at": model.created_at,
            "updated_at": model.updated_at}


OPPORTUNITIES = Resource(
    name="opportunities", title="Opportunity", kind=OPPORTUNITY, schema=OpportunitySchema,
    filters={"stage": Filter(fields.String(validate=ma.validate.OneOf(STAGES)),
                             lambda stage: Opportunity.stage == stage),
             "organisation": id_filter(Opportunity.organisation_id),
             "contact": id_filter(Opportunity.contact_id),
             "owner": id_filter(Opportunity.owner_id),
             "updated_since": updated_since_filter(Opportunity)},
    sorts=_sorts(Opportunity, "title"), default_sort="-created_at",
    search=_named(Opportunity.title))

CAMPAIGNS = Resource(
    name="campaigns", title="Campaign", kind=CAMPAIGN, schema=CampaignSchema,
    filters={"updated_since": updated_since_filter(Campaign)},
    sorts=_sorts(Campaign, "name"), default_sort="-created_at",
    search=_named(Campaign.name), options=(selectinload(Campaign.participants),))

PROJECTS = Resource(
    name="projects", title="Project", kind=PROJECT, schema=ProjectSchema,
    filters={"organisation": id_filter(Project.organisation_id),
             "owner": id_filter(Project.owner_id),
             "updated_since": updated_since_filter(Project)},
    sorts=_sorts(Project, "name"), default_sort="-created_at",
    search=_named(Project.name), options=(selectinload(Project.participants),))


@cache  # one blueprint, registered with every app made
def blueprints() -> list[Blueprint]:
    bp = blueprint("sales", "Opportunities, campaigns and projects")
    for resource in (OPPORTUNITIES, CAMPAIGNS, PROJECTS):
        resources.register(bp, resource)
    return [bp]
