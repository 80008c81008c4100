"""Per-user feeds behind a secret URL: the address book of contacts flagged for sync
(B10), read by address-book clients that cannot log in, and the calendar of planned
activities (E5, services.calendar) under the same token."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Contact, Organisation, User
from app.services.exports import vcards
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


def synced_contacts():
    """The query of the current tenant's contacts flagged for address-book sync (B10):
    the feed's and the CardDAV address book's contacts."""
    return (select(Contact)
            .where(Contact.address_book_sync.is_(True))
            .options(joinedload(Contact.organisation))
            .order_by(Contact.id))


def card_options(user: User) -> vcards.Options:
    """Address-book clients read vCard 3.0 best (RFC 6352 has all of them read it)."""
    return vcards.Options(version=vcards.VERSION_3, language=language_of(user))


def address_book(user: User) -> Iterator[str]:
    """vCards of the contacts flagged for sync, loaded in batches so a large address
    book never sits in the session all at once."""
    query = synced_contacts().execution_options(yield_per=BATCH)
    return vcards.vcards(db.session.scalars(query), card_options(user))


def synced_contacts_with_ids(ids: list[int]) -> list[Contact]:
    """The synced contacts among these ids (others, and other tenants', left out)."""
    return list(db.session.scalars(synced_contacts().where(Contact.id.in_(ids))))


def address_book_tag(user: User) -> str:
    """Changes whenever any card of the address book does, or a card comes or goes
    (CardDAV's getctag): from the columns every card's etag is made of."""
    query = (select(Contact.id, Contact.updated_at, Contact.photo, Organisation.updated_at)
             .outerjoin(Organisation, Organisation.id == Contact.organisation_id)
             .where(Contact.address_book_sync.is_(True))
             .order_by(Contact.id))
    options = card_options(user)
    digest = hashlib.sha256()
    for row in db.session.execute(query):
        digest.update(vcards.etag_of(*row, options).encode())
    return digest.hexdigest()[:32]
