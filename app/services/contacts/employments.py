"""Employments seen from the organisation (B13, seed 002): its current and former
people, taking a person on and ending an employment. Each change is checked with the
whole contact's rules (services.contacts.contacts.prepare: dates in order, one primary
employment, a company contact keeps a current one, names unique in a company)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.elements import ColumnElement

from app.extensions import db
from app.models import Contact, Employment, Organisation
from app.models.contact import KIND_PRIVATE
from app.services.contacts import contacts
from app.services.errors import ServiceError

CANDIDATES_SHOWN = 10


def current_condition(today: date | None = None) -> ColumnElement:
    """Employments not ended before today (Employment.is_current in SQL)."""
    today = today or date.today()
    return or_(Employment.end_date.is_(None), Employment.end_date >= today)


def employments_at(organisation_id: int, *, current: bool) -> Select:
    """The organisation's current employments by the person's name, or its former ones
    most recently ended first."""
    query = (select(Employment).join(Contact, Contact.id == Employment.contact_id)
             .where(Employment.organisation_id == organisation_id))
    if current:
        return query.where(current_condition()).order_by(
            Contact.last_name, Contact.first_name, Employment.id)
    return query.where(~current_condition()).order_by(
        Employment.end_date.desc(), Employment.id.desc())


def people(organisation_id: int) -> list[Contact]:
    """Everyone who works or worked at the organisation, by name: one query."""
    return list(db.session.scalars(
        select(Contact).where(Contact.id.in_(
            select(Employment.contact_id).where(Employment.organisation_id == organisation_id)))
        .order_by(Contact.last_name, Contact.first_name, Contact.id)))


def current_people(organisation_id: int) -> Select:
    """The ids of the organisation's current employees."""
    return select(Employment.contact_id).where(
        Employment.organisation_id == organisation_id, current_condition())


def candidates(organisation: Organisation, search: str) -> list[Contact]:
    """Company contacts matching the search (as the contact list searches) who do not
    work at the organisation now: whom it may take on. Nothing without a search."""
    condition = contacts.search_condition(search)
    if condition is None:
        return []
    working_here = current_people(organisation.id)
    return list(db.session.scalars(
        select(Contact).where(condition, Contact.kind != KIND_PRIVATE,
                              Contact.id.not_in(working_here))
        .options(joinedload(Contact.organisation))
        .order_by(Contact.last_name, Contact.first_name, Contact.id)
        .limit(CANDIDATES_SHOWN)))


def add_employee(organisation: Organisation, contact: Contact | None, *,
                 title: str | None = None, start_date: date | None = None) -> Employment:
    """Take the contact on at the organisation. Refused for no contact, a private
    customer (who belongs to the private customers only), the private-customers
    organisation, or someone who works there now. The caller commits."""
    if contact is None:
        raise ServiceError(_l("Choose the person to add."), field="contact_id")
    if organisation.is_private_customers or contact.kind == KIND_PRIVATE:
        raise ServiceError(_l("Private customers are not employed by organisations."),
                           field="contact_id")
    if any(e.organisation_id == organisation.id and e.is_current for e in contact.employments):
        raise ServiceError(_l("%(name)s already works here.", name=contact.full_name),
                           field="contact_id")
    employment = Employment(organisation=organisation, title=(title or "").strip() or None,
                            start_date=start_date)
    contact.employments.append(employment)
    contacts.prepare(contact, is_new=False)
    return employment


def end_employment(employment: Employment, end_date: date | None) -> None:
    """End the employment on that day (the last day worked). The caller commits."""
    if end_date is None:
        raise ServiceError(_l("Enter the last day of the employment."), field="end_date")
    if employment.end_date is not None and employment.end_date < date.today():
        raise ServiceError(_l("This employment has already ended."), field="end_date")
    employment.end_date = end_date
    contacts.prepare(employment.contact, is_new=False)
