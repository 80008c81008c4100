"""Contact rules (B2–B8, A4): required fields, unique e-mail, validated identifiers,
contact types with their organisations, customer numbers and likely duplicates."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, CursorResult, and_, func, or_, select, update

from app.config import LANGUAGES
from app.extensions import db
from app.models import Contact, Employment, Organisation, User
from app.models.contact import CONSENT_CHANNELS, KIND_COMPANY, KIND_PRIVATE
from app.services import counters, identifiers, times
from app.services.contacts import organisations, photos, search_index
from app.services.errors import FieldErrors, ServiceError, refuse_together
from app.services.settings import phone_region, setting
from app.services.terms import term
from app.services.text import ascii_digits, contains, lowered

CUSTOMER_NUMBER_SEQUENCE = "customer_number"


def prepare(contact: Contact, *, is_new: bool, as_private: bool = False,
            creator_id: int | None = None) -> None:
    """Normalise and validate a contact before it is saved; raise ServiceError.
    ``creator_id``: the acting user, responsible for a new contact by default (B8)."""
    with db.session.no_autoflush:  # checks must not see the unsaved contact itself
        _prepare(contact, is_new=is_new, as_private=as_private, creator_id=creator_id)


def _prepare(contact: Contact, *, is_new: bool, as_private: bool,
             creator_id: int | None) -> None:
    _normalise(contact)
    # each field's own rules at once, so a form shows every refused field in one round
    refuse_together(FIELD_CHECKS, contact, Rules.current())
    if as_private:
        contact.kind = KIND_PRIVATE
    _apply_kind(contact)
    _check_employments(contact)
    sync_primary_organisation(contact)
    if is_new:
        if contact.responsible_user is None and creator_id is not None:
            contact.responsible_user = db.session.get(User, creator_id)  # B8
        if setting("unique_contact_id") and contact.customer_number is None:
            contact.customer_number = counters.next_value(CUSTOMER_NUMBER_SEQUENCE)


def number_unnumbered_contacts() -> int:
    """Give every contact of the tenant without a customer number one, in the order they
    were created (A4: switching the setting on numbers the existing contacts too); the
    caller commits it as one change. Returns how many were numbered."""
    unnumbered = list(db.session.scalars(
        select(Contact).where(Contact.customer_number.is_(None))
        .order_by(Contact.created_at, Contact.id)))
    if unnumbered:
        numbers = counters.reserve(CUSTOMER_NUMBER_SEQUENCE, len(unnumbered))
        for contact, number in zip(unnumbered, numbers, strict=True):
            contact.customer_number = number
    return len(unnumbered)


def _normalise(contact: Contact) -> None:
    contact.first_name = (contact.first_name or "").strip()
    contact.last_name = (contact.last_name or "").strip()
    contact.email = (contact.email or "").strip() or None


@dataclass(frozen=True)
class Rules:
    """The tenant's settings the field checks read, looked up once per save (an import
    looks them up once for all its rows)."""

    email_required: bool
    phone_region: str

    @classmethod
    def current(cls) -> Rules:
        return cls(bool(setting("email_required")), phone_region())


def _phone_region(contact: Contact, rules: Rules) -> str | None:
    """Where a number typed without its country code is read: the person's country,
    else their ID's, else the tenant's own."""
    return contact.country or contact.national_id_country or rules.phone_region


def _check_phone(contact: Contact, rules: Rules) -> None:
    if contact.phone:
        contact.phone = identifiers.normalise_phone(
            contact.phone, _phone_region(contact, rules), field="phone")
    else:
        contact.phone = None


def _check_mobile(contact: Contact, rules: Rules) -> None:
    if contact.mobile:
        contact.mobile = identifiers.normalise_phone(
            contact.mobile, _phone_region(contact, rules), field="mobile")
    else:
        contact.mobile = None


def _check_national_id(contact: Contact, _rules: Rules) -> None:
    if not contact.national_id:
        contact.national_id = None
        return
    contact.national_id = identifiers.normalise_national_id(
        contact.national_id, contact.national_id_country
    )
    if contact.national_id and contact.birth_date is None:
        contact.birth_date = identifiers.birth_date_from_national_id(
            contact.national_id, contact.national_id_country
        )


def _check_website(contact: Contact, _rules: Rules) -> None:
    contact.website = identifiers.normalise_website(contact.website)


def _check_language(contact: Contact, _rules: Rules) -> None:
    contact.preferred_language = (contact.preferred_language or "").strip().lower() or None
    if contact.preferred_language not in (None, *LANGUAGES):
        raise ServiceError(_l("Not a valid choice."), field="preferred_language")


def _require_names(contact: Contact, _rules: Rules) -> None:
    if contact.first_name and contact.last_name:
        return
    raise FieldErrors({field: _l("This field is required.")
                       for field in ("first_name", "last_name") if not getattr(contact, field)})


def _check_email(contact: Contact, rules: Rules) -> None:
    _check_email_syntax(contact, rules)
    if contact.email and email_in_use(contact.email, exclude_id=contact.id):
        raise ServiceError(term("duplicate_email"), field="email")


def _check_email_syntax(contact: Contact, rules: Rules) -> None:
    if rules.email_required and not contact.email:
        raise ServiceError(_l("This field is required."), field="email")
    if contact.email:
        identifiers.check_email_syntax(contact.email)  # the syntax only: stored as typed


def _check_consents(contact: Contact, _rules: Rules) -> None:
    refuse_together(partial(_check_consent, contact, channel) for channel in CONSENT_CHANNELS)


def _check_consent(contact: Contact, channel: str) -> None:
    """A consent's date and source record a consent given: none without it, and no
    date that has not come yet."""
    given = getattr(contact, f"consent_{channel}")
    since = getattr(contact, f"consent_{channel}_date")
    source = (getattr(contact, f"consent_{channel}_source") or "").strip() or None
    setattr(contact, f"consent_{channel}_source", source)
    if not given and (since or source):
        raise ServiceError(_l("Tick the consent, or leave its date and source empty."),
                           field=f"consent_{channel}_date" if since
                           else f"consent_{channel}_source")
    if since and since > times.today():
        raise ServiceError(_l("A consent date cannot be in the future."),
                           field=f"consent_{channel}_date")


# Each checks (and normalises) its own fields; prepare() runs them all, refusing once.
FIELD_CHECKS = (_require_names, _check_phone, _check_mobile, _check_national_id,
                _check_website, _check_language, _check_email, _check_consents)
# The same checks without a query: imports run them on each row and look the e-mails
# up for a whole batch of rows at once (services.imports). An imported contact has
# given no consent (a file holds no date or source of one): the consent checks, which
# only refuse a date or a source without a consent, have nothing to refuse there.
ROW_CHECKS = tuple(_check_email_syntax if check is _check_email else check
                   for check in FIELD_CHECKS if check is not _check_consents)


# The one field each of these checks reads: without a value there, it has nothing to
# check, and only sets the field to None.
_CHECKED_FIELD = {_check_phone: "phone", _check_mobile: "mobile",
                  _check_national_id: "national_id", _check_website: "website",
                  _check_language: "preferred_language"}


def row_checks(given: Collection[str]) -> tuple[Callable[[Contact, Rules], None], ...]:
    """The row checks of rows whose only values are those of the ``given`` fields (an
    import's columns): those of fields no row can fill are left out."""
    return tuple(check for check in ROW_CHECKS
                 if check not in _CHECKED_FIELD or _CHECKED_FIELD[check] in given)


def check_row(contact: Contact, rules: Rules,
              checks: tuple[Callable[[Contact, Rules], None], ...] = ROW_CHECKS) -> None:
    """Normalise and check one record's own fields (all of them, refused together) —
    all but the consents, which an import never gives (see ROW_CHECKS); ``checks``:
    those of :func:`row_checks`, for rows that leave the other fields empty (None)."""
    refuse_together(checks, contact, rules)  # an import calls it 100,000 times


def _email_is(email: str):
    """The e-mail condition of the unique index: equal whatever the case."""
    return func.lower(Contact.email) == email.strip().lower()


def email_in_use(email: str, exclude_id: int | None = None) -> bool:
    query = select(Contact.id).where(_email_is(email))
    if exclude_id is not None:
        query = query.where(Contact.id != exclude_id)
    return db.session.execute(query.limit(1)).first() is not None


def with_email(email: str) -> Contact | None:
    """The contact with this e-mail address, whatever its case (at most one: unique)."""
    return db.session.scalars(select(Contact).where(_email_is(email)).limit(1)).first()


def _apply_kind(contact: Contact) -> None:
    """A private contact belongs to the private-customers organisation (and only it)."""
    private_org = organisations.private_customers()
    if contact.kind == KIND_PRIVATE:
        if not any(organisations.is_organisation(e, private_org) for e in contact.employments):
            contact.employments.append(Employment(organisation=private_org, is_primary=True))
        return
    for employment in list(contact.employments):
        if organisations.is_organisation(employment, private_org) and employment.end_date is None:
            employment.end_date = date.today()


def _check_employments(contact: Contact) -> None:
    current = [e for e in contact.employments if e.is_current]
    if contact.kind == KIND_COMPANY and not current:
        raise ServiceError(
            _l("A company contact needs at least one current employment."),
            field="employments",
        )
    for employment in contact.employments:
        if employment.start_date and employment.end_date and (
                employment.end_date < employment.start_date):
            raise ServiceError(_l("An employment cannot end before it starts."),
                               field="employments")
    primaries = [e for e in current if e.is_primary]
    if len(primaries) > 1:
        raise ServiceError(_l("Only one current employment can be the primary one."),
                           field="employments")
    if current and not primaries:
        current[0].is_primary = True
    if not setting("email_required"):
        _check_unique_name_in_organisations(contact, current)


def _check_unique_name_in_organisations(contact: Contact, current: list[Employment]) -> None:
    """Without required e-mail, first + last name identify a person within a company."""
    organisation_ids = {e.organisation_id or e.organisation.id for e in current
                        if not e.organisation.is_private_customers}
    if not organisation_ids:
        return
    query = (
        select(Contact.id)
        .join(Employment, Employment.contact_id == Contact.id)
        .where(
            Employment.organisation_id.in_(organisation_ids),
            or_(Employment.end_date.is_(None), Employment.end_date >= date.today()),
            lowered(Contact.first_name) == contact.first_name.lower(),
            lowered(Contact.last_name) == contact.last_name.lower(),
        )
    )
    if contact.id is not None:
        query = query.where(Contact.id != contact.id)
    if db.session.execute(query.limit(1)).first() is not None:
        raise ServiceError(
            _l("A person with this name already works for this organisation."),
            field="last_name",
        )


def sync_primary_organisation(contact: Contact) -> None:
    """Keep the contact's organisation column equal to its primary current employer."""
    employment = contact.primary_employment
    if employment is None:
        contact.organisation = None
    else:
        contact.organisation = employment.organisation or db.session.get(
            Organisation, employment.organisation_id)


def resync_organisations(today: date | None = None) -> int:
    """The organisation column is kept on saving a contact; a job whose end date has
    passed since then still shows. Point every contact with an ended job at its primary
    current employer again (``flask crm sync-organisations``, daily); how many changed."""
    today = today or date.today()
    current = (select(Employment.organisation_id)
               .where(Employment.contact_id == Contact.id,
                      or_(Employment.end_date.is_(None), Employment.end_date >= today))
               .order_by(Employment.is_primary.desc(), Employment.end_date.is_not(None),
                         Employment.start_date.desc(), Employment.id)
               .limit(1).scalar_subquery())
    ended = select(Employment.contact_id).where(Employment.end_date < today)
    result = db.session.execute(
        update(Contact).where(Contact.id.in_(ended),
                              Contact.organisation_id.is_distinct_from(current))
        .values(organisation_id=current).execution_options(synchronize_session=False))
    return cast(CursorResult, result).rowcount  # an UPDATE's result is a cursor's


def change_photo(contact: Contact, image=None, remove: bool = False) -> str | None:
    """Store a new photo (a checked Pillow image) or remove the current one. Returns the
    replaced file's name, to be deleted once the change is saved."""
    if image is None and not remove:
        return None
    replaced = contact.photo
    contact.photo = photos.store(image) if image is not None else None
    return replaced


def address_holder(contact: Contact) -> Contact | Organisation:
    """B6: a company contact shows its organisation's address, a private one its own."""
    if contact.kind == KIND_COMPANY and contact.organisation is not None:
        return contact.organisation
    return contact


def likely_duplicates(contact: Contact, limit: int = 5) -> list[Contact]:
    """Contacts with the same name, the same e-mail or the same phone (seed 002)."""
    conditions: list[ColumnElement[bool]] = [
        (lowered(Contact.first_name) == (contact.first_name or "").strip().lower())
        & (lowered(Contact.last_name) == (contact.last_name or "").strip().lower())
    ]
    if contact.email:
        conditions.append(func.lower(Contact.email) == contact.email.strip().lower())
    for number in (contact.phone, contact.mobile):
        if number:
            conditions.append(or_(Contact.phone == number, Contact.mobile == number))
    query = select(Contact).where(or_(*conditions)).order_by(Contact.last_name).limit(limit)
    if contact.id is not None:
        query = query.where(Contact.id != contact.id)
    return list(db.session.scalars(query))


def likely_duplicates_of(first_name, last_name, email, phone, mobile, country) -> list[Contact]:
    """Likely duplicates of a contact not yet saved, from what the form holds."""
    probe = Contact(first_name=first_name or "", last_name=last_name or "", email=email)
    for attr, raw in (("phone", phone), ("mobile", mobile)):
        try:
            setattr(probe, attr, identifiers.normalise_phone(raw, country))
        except ServiceError:
            setattr(probe, attr, None)  # the form reports the bad number itself
    return likely_duplicates(probe)


def raise_likely_duplicates() -> None:
    raise ServiceError(term("likely_duplicates"))


PHONE_SEARCH = re.compile(r"^\+?[\d\s\-()]{4,}$")


def search_condition(search: str):
    """B11: every word must match a first or last name (whole or part), an e-mail, a
    customer number; a phone number is matched on its digits, however it is typed."""
    search = (search or "").strip()
    if not search:
        return None
    indexed = search_index.available()
    if PHONE_SEARCH.match(search):
        digits = re.sub(r"\D", "", search).lstrip("0")
        pattern = f"%{digits}%"
        number = _customer_number_match(search)
        matches = or_(Contact.phone.like(pattern), Contact.mobile.like(pattern), *number)
        if indexed and search_index.searchable(digits):
            return and_(or_(search_index.containing(digits, search_index.PHONE_COLUMNS),
                            *number), matches)
        return matches
    return and_(*(_word_condition(word, indexed) for word in search.split()))


def _word_condition(word: str, indexed: bool) -> ColumnElement[bool]:
    """A word of the search in a name, the e-mail or the customer number; where SQLite
    has the search index (services.contacts.search_index), it picks the candidates."""
    number = _customer_number_match(word)
    matches = or_(contains(Contact.last_name, word), contains(Contact.first_name, word),
                  contains(Contact.email, word), *number)
    if not indexed or not search_index.searchable(word):
        return matches
    return and_(or_(search_index.containing(word), *number), matches)


def _customer_number_match(text: str) -> list:
    text = text.strip()
    return ([Contact.customer_number == int(text)] if ascii_digits(text) and len(text) < 10
            else [])

