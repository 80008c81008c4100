"""Per-user feeds behind a secret URL: the address book of contacts flagged for sync
(B10), read by address-book clients that cannot log in, and the calendar of planned
activities (E5, services.calendar) under the same token."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import vobject
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Contact, User
from app.services.contacts import contacts
from app.tenancy import all_tenants

BATCH = 500


def feed_token(user: User) -> str:
    """The user's feed token, created the first time it is asked for."""
    return user.feed_token or regenerate_token(user)


def regenerate_token(user: User) -> str:
    """A new token: every URL given out before stops working."""
    user.feed_token = secrets.token_urlsafe(32)
    return user.feed_token


def user_for_token(token: str) -> User | None:
    """The active tenant user owning the token, looked up across tenants (the URL is all
    the client has); None for anything else."""
    if not token or len(token) > 64:
        return None
    with all_tenants():
        user = db.session.scalar(select(User).where(User.feed_token == token))
    if user is None or user.is_operator or not user.is_active:
        return None
    return user


def language_of(user: User) -> str:
    """The language a feed's texts are in: the owner's own, else the tenant's."""
    if user.language:
        return user.language
    return user.tenant.default_language if user.tenant is not None else "en"


def address_book() -> Iterator[str]:
    """vCards of the current tenant's contacts flagged for address-book sync, loaded in
    batches so a large address book never sits in the session all at once."""
    query = (
        select(Contact)
        .where(Contact.address_book_sync.is_(True))
        .options(joinedload(Contact.organisation))
        .order_by(Contact.id)
        .execution_options(yield_per=BATCH)
    )
    for contact in db.session.scalars(query):
        yield vcard(contact)


def vcard(contact: Contact) -> str:
    card = vobject.vCard()
    card.add("uid").value = f"kontakt-{contact.tenant_id}-contact-{contact.id}"
    card.add("n").value = vobject.vcard.Name(family=contact.last_name, given=contact.first_name)
    card.add("fn").value = contact.full_name
    if contact.email:
        card.add("email").value = contact.email
        card.email.type_param = "INTERNET"
    for number, kind in ((contact.phone, "WORK"), (contact.mobile, "CELL")):
        if number:
            tel = card.add("tel")
            tel.value = number
            tel.type_param = kind
    if contact.organisation is not None and not contact.organisation.is_private_customers:
        card.add("org").value = [contact.organisation.name]
    if contact.job_title:
        card.add("title").value = contact.job_title
    holder = contacts.address_holder(contact)
    if holder.street or holder.city:
        card.add("adr").value = vobject.vcard.Address(
            street=holder.street or "", code=holder.postcode or "", city=holder.city or "",
            country=holder.country or "")
    if contact.website:
        card.add("url").value = contact.website
    if contact.updated_at:
        card.add("rev").value = contact.updated_at.strftime("%Y%m%dT%H%M%SZ")
    return card.serialize()

