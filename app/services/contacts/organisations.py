"""Organisation rules: validated registration numbers, and the one private-customers
organisation of each tenant (B4)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Organisation
from app.services import identifiers, references
from app.services.errors import ServiceError
from app.services.settings import phone_region
from app.services.terms import term
from app.services.text import every_word_in, required_text


def private_customers() -> Organisation:
    """The current tenant's private-customers organisation, created on first use (it
    is then saved with the session's next flush)."""
    with db.session.no_autoflush:
        organisation = db.session.execute(
            select(Organisation).where(Organisation.is_private_customers.is_(True))
        ).scalar_one_or_none()
    if organisation is None:
        organisation = Organisation(name=term("private_customers"), is_private_customers=True)
        db.session.add(organisation)
    return organisation


def is_organisation(employment, organisation: Organisation) -> bool:
    """Whether an employment (saved or not yet) is at this organisation."""
    if employment.organisation is organisation:
        return True
    return organisation.id is not None and employment.organisation_id == organisation.id


def prepare(organisation: Organisation) -> None:
    """Normalise and validate an organisation before it is saved."""
    organisation.name = required_text(organisation.name, "name")
    organisation.registration_number = identifiers.normalise_registration_number(
        organisation.registration_number, organisation.registration_country
    )
    organisation.phone = identifiers.normalise_phone(
        organisation.phone,
        organisation.country or organisation.registration_country or phone_region())
    organisation.website = identifiers.normalise_website(organisation.website)
    organisation.email = (organisation.email or "").strip().lower() or None


def with_registration_number(number: str | None, country: str | None,
                             exclude_id: int | None = None, limit: int = 5
                             ) -> list[Organisation]:
    """Organisations with this registration number (as typed: it is read the way it is
    stored); none when the number is missing or not valid (the form says why)."""
    try:
        number = identifiers.normalise_registration_number(number, country)
    except ServiceError:
        return []
    if not number:
        return []
    query = select(Organisation).where(
        Organisation.registration_number == number,
        Organisation.registration_country == (country or "").strip().upper(),
    ).order_by(Organisation.name).limit(limit)
    if exclude_id is not None:
        query = query.where(Organisation.id != exclude_id)
    return list(db.session.scalars(query))


def raise_registration_in_use() -> None:
    raise ServiceError(_l("An organisation with this registration number already exists. "
                          "Check the list below, or save anyway."), field="registration_number")


def ensure_deletable(organisation: Organisation) -> None:
    if organisation.is_private_customers:
        raise ServiceError(_l("The private-customers organisation cannot be deleted."))
    references.ensure_deletable(organisation)


def search_condition(search: str):
    """Every word must match part of the name, registration number, e-mail or city."""
    return every_word_in(search, Organisation.name, Organisation.registration_number,
                         Organisation.email, Organisation.city)
