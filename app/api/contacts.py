"""Contacts, organisations, their employments and tags, and the bulk upsert a
synchronisation sends (``POST /api/v1/contacts:upsert``)."""

from __future__ import annotations

from functools import cache
from typing import Any

import marshmallow as ma
from flask import Response
from flask.views import MethodView
from marshmallow import fields
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.api import Blueprint, blueprint, resources
from app.api.resources import (
    Filter,
    Resource,
    acting_user,
    dumped,
    id_filter,
    updated_since_filter,
    yes_no_filter,
)
from app.api.schemas import (
    ID_RANGE,
    Masked,
    RecordSchema,
    TagNames,
    custom_values,
    external_ids,
    reference,
    required_text,
    text,
)
from app.config import LANGUAGES
from app.extensions import db
from app.models import Contact, Employment, ExternalId, Organisation, Tag
from app.models.contact import KINDS
from app.models.tag import contact_tag, organisation_tag
from app.services import records
from app.services.contacts import contacts, organisations, sync
from app.services.contacts.employments import current_condition
from app.services.contacts.records import CONTACT, EMPLOYMENT, ORGANISATION, TAG
from app.services.text import every_word_in


class AddressFields(RecordSchema):
    street = text(200)
    postcode = text(20)
    city = text(100)
    country = text(2, metadata={"description": "ISO 3166 code, e.g. DK"})
    responsible_user_id = reference("A user of the tenant")
    tags = TagNames()
    custom = custom_values()
    external_ids = external_ids()


class ContactSchema(AddressFields):
    customer_number = fields.Integer(dump_only=True, allow_none=True)
    kind = fields.String(validate=ma.validate.OneOf(KINDS))
    first_name = required_text(100)
    last_name = required_text(100)
    email = text(254)
    phone = text(40)
    mobile = text(40)
    job_title = text(150)
    birth_date = fields.Date(allow_none=True)
    national_id = Masked(allow_none=True, validate=ma.validate.Length(max=40), metadata={
        "description": "Written as given, answered masked"})
    national_id_country = text(2)
    preferred_language = fields.String(allow_none=True,
                                       validate=ma.validate.OneOf(LANGUAGES))
    website = text(300)
    organisation_id = fields.Integer(validate=ID_RANGE, strict=True, metadata={
        "description": "The primary current employer; setting it adds an employment "
                       "there when there is none"})
    address_book_sync = fields.Boolean()
    is_private = fields.Boolean(metadata={"description": "F2: notes for administrators "
                                                         "and the responsible user only"})
    email_access_restricted = fields.Boolean(dump_only=True)
    consent_phone = fields.Boolean()
    consent_phone_date = fields.Date(allow_none=True)
    consent_phone_source = text(200)
    consent_email = fields.Boolean()
    consent_email_date = fields.Date(allow_none=True)
    consent_email_source = text(200)
    consent_letter = fields.Boolean()
    consent_letter_date = fields.Date(allow_none=True)
    consent_letter_source = text(200)


class OrganisationSchema(AddressFields):
    name = required_text(200)
    registration_number = text(40)
    registration_country = text(2)
    phone = text(40)
    email = text(254)
    website = text(300)
    industry = text(100)
    notes = text(10_000)
    is_private_customers = fields.Boolean(dump_only=True)


def _with_external_ids(model: type, items: list) -> None:
    """Each record's ids in other systems, in one query for the page."""
    column = ExternalId.contact_id if model is Contact else ExternalId.organisation_id
    found: dict[int, dict[str, str]] = {item.id: {} for item in items}
    if found:
        for row in db.session.scalars(select(ExternalId).where(column.in_(found))):
            found[getattr(row, column.key)][row.system] = row.value
    for item in items:
        item.api_external_ids = dict(sorted(found[item.id].items()))


def _tagged(link: Any, owner_column: Any) -> Any:
    """Records with the tag of this name (whatever its case)."""
    owner = link.c[f"{owner_column.table.name}_id"]

    def condition(name: str) -> Any:
        return owner_column.in_(select(owner).join(Tag, Tag.id == link.c.tag_id)
                                .where(func.lower(Tag.name) == name.strip().lower()))
    return condition


def _employed_at(organisation_id: int) -> Any:
    return Contact.id.in_(select(Employment.contact_id).where(
        Employment.organisation_id == organisation_id))



CONTACTS = Resource(
    name="contacts", title="Contact", kind=CONTACT, schema=ContactSchema,
    filters={
        "organisation": Filter(fields.Integer(validate=ID_RANGE), _employed_at),
        "tag": Filter(fields.String(validate=ma.validate.Length(max=60)),
                      _tagged(contact_tag, Contact.id)),
        "kind": Filter(fields.String(validate=ma.validate.OneOf(KINDS)),
                       lambda kind: Contact.kind == kind),
        "email": Filter(fields.String(validate=ma.validate.Length(max=254)),
                        lambda email: contacts._email_is(email)),
        "updated_since": updated_since_filter(Contact),
    },
    sorts={"last_name": Contact.last_name, "first_name": Contact.first_name,
           "created_at": Contact.created_at, "updated_at": Contact.updated_at},
    default_sort="last_name",
    search=lambda text: records.search_condition(Contact, contacts.search_condition, text),
    options=(selectinload(Contact.tags), selectinload(Contact.employments)),
    decorate=lambda items: _with_external_ids(Contact, items))

ORGANISATIONS = Resource(
    name="organisations", title="Organisation", kind=ORGANISATION, schema=OrganisationSchema,
    filters={
        "tag": Filter(fields.String(validate=ma.validate.Length(max=60)),
                      _tagged(organisation_tag, Organisation.id)),
        "updated_since": updated_since_filter(Organisation),
    },
    sorts={"name": Organisation.name, "created_at": Organisation.created_at,
           "updated_at": Organisation.updated_at},
    default_sort="name",
    search=lambda text: records.search_condition(Organisation,
                                                 organisations.search_condition, text),
    options=(selectinload(Organisation.tags),),
    decorate=lambda items: _with_external_ids(Organisation, items))


class EmploymentSchema(RecordSchema):
    contact_id = fields.Integer(required=True, validate=ID_RANGE, strict=True)
    organisation_id = fields.Integer(required=True, validate=ID_RANGE, strict=True)
    title = text(150)
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True, metadata={"description": "The last day worked"})
    is_primary = fields.Boolean(metadata={"description": "The contact's primary employer"})
    is_current = fields.Boolean(dump_only=True)


class TagSchema(RecordSchema):
    name = required_text(60)
    colour = fields.String(validate=ma.validate.Length(max=7), metadata={
        "description": "#rrggbb"})


EMPLOYMENTS = Resource(
    name="employments", title="Employment", kind=EMPLOYMENT, schema=EmploymentSchema,
    filters={"contact": id_filter(Employment.contact_id),
             "organisation": id_filter(Employment.organisation_id),
             "current": yes_no_filter(current_condition),
             "updated_since": updated_since_filter(Employment)},
    sorts={"created_at": Employment.created_at, "updated_at": Employment.updated_at})

TAGS = Resource(
    name="tags", title="Tag", kind=TAG, schema=TagSchema,
    sorts={"name": Tag.name, "created_at": Tag.created_at},
    default_sort="name", search=lambda text: every_word_in(text, Tag.name))


# --- the bulk upsert ------------------------------------------------------------------

class UpsertSchema(ma.Schema):
    items = fields.List(fields.Nested(ContactSchema(partial=True)), required=True,
                        validate=ma.validate.Length(min=1, max=sync.MOST_PER_BATCH))


class UpsertResultSchema(ma.Schema):
    index = fields.Integer(required=True)
    status = fields.String(required=True, validate=ma.validate.OneOf(
        [sync.CREATED, sync.UPDATED, sync.REFUSED]))
    id = fields.Integer(allow_none=True)
    contact = fields.Nested(ContactSchema, allow_none=True)
    message = fields.String(allow_none=True)
    fields_ = fields.Dict(data_key="fields", keys=fields.String(),
                          values=fields.List(fields.String()))


class UpsertAnswerSchema(ma.Schema):
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    results = fields.List(fields.Nested(UpsertResultSchema), required=True)


def _upsert_answer(outcomes: list[sync.ItemOutcome]) -> dict[str, Any]:
    results = []
    for outcome in outcomes:
        result: dict[str, Any] = {"index": outcome.index, "status": outcome.status}
        if outcome.contact is not None:
            result |= {"id": outcome.contact.id,
                       "contact": dumped(CONTACTS, outcome.contact)}
        else:
            result |= {"message": outcome.message,
                       "fields": {k: [v] for k, v in outcome.errors.items()}}
        results.append(result)
    counts = {status: sum(o.status == status for o in outcomes)
              for status in (sync.CREATED, sync.UPDATED, sync.REFUSED)}
    return {"created": counts[sync.CREATED], "updated": counts[sync.UPDATED],
            "failed": counts[sync.REFUSED], "results": results}


def _register_upsert(bp: Blueprint) -> None:
    @bp.route("/contacts:upsert", endpoint="contacts_upsert")
    class Upsert(MethodView):
        @bp.arguments(UpsertSchema)
        @bp.response(200, UpsertAnswerSchema)
        @bp.doc(summary="Create or update up to 1,000 contacts", description=(
            "Each item is matched by one of its external_ids, else by its e-mail, and "
            "updated, or created when nothing matches. Each item is saved or refused on "
            "its own; results lists every item's outcome in order."), parameters=[{
                "in": "header", "name": "Idempotency-Key", "schema": {"type": "string"}}])
        def post(self, args: dict[str, Any]) -> Response:
            user = acting_user()
            items = args["items"]
            return resources.idempotent(200, lambda: (
                _upsert_answer(sync.upsert(items, user)), {}))


@cache  # one blueprint, registered with every app made
def blueprints() -> list[Blueprint]:
    bp = blueprint("contacts", "Contacts (persons), organisations, employments and tags")
    _register_upsert(bp)  # before the item URL, so "contacts:upsert" is not an id
    resources.register(bp, CONTACTS)
    resources.register(bp, ORGANISATIONS)
    resources.register(bp, EMPLOYMENTS)
    resources.register(bp, TAGS)
    return [bp]

