"""Leads (B14): enquiries typed in by a user or posted by a website form to the tenant's
intake URL; accepted into a contact with a case, or rejected with a reason.

A lead is decided once. The decision claims the lead with one conditional UPDATE
(``… WHERE status = 'new'``): of two users deciding at the same moment, on PostgreSQL
as on SQLite, exactly one changes a row and the other is refused."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, cast

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import CursorResult, select, update

from app.extensions import db
from app.models import Case, Contact, Employment, Lead, Organisation, Tenant, User
from app.models.base import utcnow
from app.models.contact import KIND_COMPANY, KIND_PRIVATE
from app.models.lead import LEAD_ACCEPTED, LEAD_NEW, LEAD_REJECTED
from app.services import identifiers
from app.services.contacts import contacts, organisations
from app.services.errors import FieldErrors, ServiceError
from app.services.settings import phone_region
from app.services.text import lowered
from app.services.work import cases
from app.tenancy import all_tenants

# What a lead holds, with the longest text accepted for each (the column's size; the
# phone as typed, before it becomes a short E.164 number).
FIELD_LIMITS = {"name": 200, "company": 200, "email": 254, "phone": 40, "source": 100,
                "message": 10_000}
NAME_PART_LIMIT = 100  # a contact's first and last name columns
TITLE_LIMIT = 200  # a case's title column
# A contact field refused while accepting, as the lead field it came from.
LEAD_FIELD_OF_CONTACT = {"first_name": "name", "last_name": "name", "email": "email",
                         "phone": "phone", "employments": "company"}


# --- receiving a lead ---------------------------------------------------------------

def _text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(value)
    return value.strip() or None


def _check(lead: Lead) -> dict[str, str]:
    """Normalise the lead's fields in place; return {field: message} for each refused."""
    errors: dict[str, Any] = {}
    for field, limit in FIELD_LIMITS.items():
        value = getattr(lead, field)
        if value is not None and len(value) > limit:
            errors[field] = lazy_ngettext("At most %(num)d character.",
                                          "At most %(num)d characters.", limit)
    if not lead.name:
        errors["name"] = _l("This field is required.")
    if lead.email and "email" not in errors:
        try:
            lead.email = identifiers.normalise_email(lead.email)
        except ServiceError as exc:
            errors["email"] = exc.message
    if lead.phone and "phone" not in errors:
        try:
            lead.phone = identifiers.normalise_phone(lead.phone, phone_region())
        except ServiceError as exc:
            errors["phone"] = exc.message
    return {field: str(message) for field, message in errors.items()}


def prepare(lead: Lead, *, is_new: bool) -> None:
    """Normalise and validate a lead typed in by a user; raise ServiceError. A decided
    lead is kept as it was decided on."""
    if not is_new and lead.status != LEAD_NEW:
        raise ServiceError(_l("An accepted or rejected lead cannot be changed."))
    for field in FIELD_LIMITS:
        setattr(lead, field, _text(getattr(lead, field)))
    errors = _check(lead)
    if errors:
        raise FieldErrors(errors)


def receive(values: Mapping[str, Any]) -> Lead:
    """Store a lead sent to the intake URL; raise FieldErrors naming every refused
    field, in which case nothing is stored."""
    lead, errors = Lead(status=LEAD_NEW), {}
    for field in FIELD_LIMITS:
        try:
            setattr(lead, field, _text(values.get(field)))
        except ValueError:
            errors[field] = _("Must be text.")
    errors = {**_check(lead), **errors}
    if errors:
        raise FieldErrors(errors)
    db.session.add(lead)
    db.session.flush()
    return lead


# --- deciding -----------------------------------------------------------------------

def _claim(lead: Lead, status: str, user: User | None) -> None:
    """Move a new lead to ``status`` or refuse: the conditional UPDATE changes no row
    when another transaction decided the lead first (it waits for that one to end)."""
    result = db.session.execute(
        update(Lead).where(Lead.id == lead.id, Lead.status == LEAD_NEW)
        .values(status=status).execution_options(synchronize_session=False))
    claimed = cast(CursorResult, result).rowcount  # an UPDATE's result is a cursor's
    if claimed != 1:
        raise ServiceError(_l("This lead has already been accepted or rejected."))
    # The same values again through the ORM, so the change history records them.
    lead.status = status
    lead.decided_by = user
    lead.decided_at = utcnow()


def accept(lead: Lead, user: User | None) -> Case:
    """Turn the lead into a contact (the one with its e-mail, else a new one, at the
    lead's company or as a private customer) with a new case. Raise ServiceError; the
    caller then rolls back, so nothing is left half made."""
    _claim(lead, LEAD_ACCEPTED, user)
    contact = _contact_for(lead, user)
    case = cases.new_case()
    case.title = _case_title(lead)
    case.description = lead.message
    case.primary_contact = contact
    cases.prepare(case, is_new=True, creator_id=user.id if user else None)
    db.session.add(case)
    lead.contact, lead.case = contact, case
    db.session.flush()
    return case


def reject(lead: Lead, reason: str | None, user: User | None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Give a reason for rejecting the lead."), field="reason")
    _claim(lead, LEAD_REJECTED, user)
    lead.reject_reason = reason
    db.session.flush()


def _contact_for(lead: Lead, user: User | None) -> Contact:
    existing = contacts.with_email(lead.email) if lead.email else None
    if existing is not None:
        return existing
    first_name, last_name = split_name(lead.name)
    contact = Contact(first_name=first_name, last_name=last_name, email=lead.email,
                      phone=lead.phone, kind=KIND_COMPANY if lead.company else KIND_PRIVATE)
    if lead.company:
        contact.employments.append(
            Employment(organisation=_organisation_named(lead.company), is_primary=True))
    try:
        contacts.prepare(contact, is_new=True, creator_id=user.id if user else None)
    except ServiceError as exc:
        raise ServiceError(_l("The contact cannot be created: %(reason)s", reason=str(exc)),
                           field=LEAD_FIELD_OF_CONTACT.get(exc.field or "")) from None
    db.session.add(contact)
    return contact


def split_name(name: str) -> tuple[str, str]:
    """"Anna Maria Olsen" → ("Anna Maria", "Olsen"): a contact needs both parts."""
    *first, last = (name or "").split() or [""]
    first_name = " ".join(first)
    if not first_name:
        raise ServiceError(_l("A contact needs a first and a last name: edit the lead's "
                              "name before accepting it."), field="name")
    if max(len(first_name), len(last)) > NAME_PART_LIMIT:
        raise ServiceError(_l("The name is too long for a contact."), field="name")
    return first_name, last


def _organisation_named(name: str) -> Organisation:
    """The organisation of this name whatever its case, else a new one."""
    with db.session.no_autoflush:
        found = db.session.scalars(
            select(Organisation).where(lowered(Organisation.name) == name.lower(),
                                       Organisation.is_private_customers.is_(False))
            .order_by(Organisation.id).limit(1)).first()
    if found is not None:
        return found
    organisation = Organisation(name=name)
    organisations.prepare(organisation)
    db.session.add(organisation)
    return organisation


def _case_title(lead: Lead) -> str:
    first_line = next((line.strip() for line in (lead.message or "").splitlines()
                       if line.strip()), "")
    title = first_line or _("Lead: %(name)s", name=lead.name)
    return title[:TITLE_LIMIT]


# --- the intake URL -----------------------------------------------------------------

def regenerate_intake_token(tenant: Tenant) -> str:
    """A new secret for the intake URL: the URL given out before stops working."""
    tenant.intake_token = secrets.token_urlsafe(32)
    return tenant.intake_token


def close_intake(tenant: Tenant) -> None:
    tenant.intake_token = None


def intake_tenant(slug: str, token: str | None) -> Tenant | None:
    """The active tenant whose intake URL this is, or None. Which part is wrong is never
    told, and the token is compared in constant time."""
    with all_tenants():
        tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).first()
    expected = tenant.intake_token if tenant is not None and tenant.active else None
    # Compared even when nothing is expected, so the time taken tells nothing either.
    matches = secrets.compare_digest((token or "").encode(),
                                     (expected or "-" * 43).encode())
    return tenant if expected and token and matches else None
