"""Case rules (C1): reference numbers per tenant, open/closed/rejected with the closing
date kept by the status, a primary contact always, and sensible defaults for the
organisation (the primary contact's) and the responsible user (the creator)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import case as sql_case
from sqlalchemy import or_, select

from app.extensions import db
from app.models import Case, Contact, Organisation, User
from app.models.case import CASE_CLOSED, CASE_OPEN, CASE_REJECTED, CASE_STATUSES, case_contact
from app.models.dictionary import CASE_CATEGORY
from app.services import counters, dictionaries
from app.services.conditions import id_in_any
from app.services.errors import ServiceError
from app.services.terms import lazy_term
from app.services.text import ascii_digits, contains, required_text

REFERENCE_SEQUENCE = "case_reference"
# With their context: a case's status agrees with the noun (Polish "sprawa" is
# feminine: "Otwarta"), and the dates are dates ("Data otwarcia"), not statuses.
STATUS_LABELS = {CASE_OPEN: lazy_pgettext("status of a case", "Open"),
                 CASE_CLOSED: lazy_pgettext("status of a case", "Closed"),
                 CASE_REJECTED: lazy_pgettext("status of a case", "Rejected")}
OPENED_ON = lazy_pgettext("date a case was opened", "Opened")
CLOSED_ON = lazy_pgettext("date a case was closed", "Closed")
PRIMARY_CONTACT_REQUIRED = lazy_term("primary_required")
# Statuses sort in their own order (open, closed, rejected), not alphabetically.
STATUS_ORDER = sql_case({status: rank for rank, status in enumerate(CASE_STATUSES)},
                        value=Case.status)


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def status_choices() -> list[tuple[str, str]]:
    """(key, label in the current language) of the three statuses, in their order."""
    return [(status, status_label(status)) for status in CASE_STATUSES]


def new_case() -> Case:
    """A new case holding its reference number already. The number is taken before the
    case joins the session, so taking it never flushes a half-filled case."""
    return Case(reference=counters.next_value(REFERENCE_SEQUENCE), status=CASE_OPEN)


def prepare(case: Case, *, is_new: bool, creator_id: int | None = None) -> None:
    """Check a case and fill in what follows from the rules, before it is saved;
    raise ServiceError (with the form field it concerns) for what the rules refuse."""
    with db.session.no_autoflush:  # the checks must not flush the unsaved case
        _check(case)
        if is_new:
            if case.reference is None:
                case.reference = counters.next_value(REFERENCE_SEQUENCE)
            if case.responsible_user is None and creator_id is not None:
                case.responsible_user = db.session.get(User, creator_id)
        if case.organisation is None:
            case.organisation = case.primary_contact.organisation
        case.opened_on = case.opened_on or date.today()
        apply_status_dates(case)


def _check(case: Case) -> None:
    case.title = required_text(case.title, "title")
    if case.primary_contact is None:
        raise ServiceError(PRIMARY_CONTACT_REQUIRED, field="primary_contact")
    if case.status not in CASE_STATUSES:
        raise ServiceError(_l("Not a valid choice."), field="status")
    dictionaries.check_entry(case.category, CASE_CATEGORY, "category")


def apply_status_dates(case: Case) -> None:
    """Closing (closed or rejected) dates the case today; reopening clears the date.
    Moving between closed and rejected keeps the first closing date."""
    if case.status == CASE_OPEN:
        case.closed_on = None
    elif case.closed_on is None:
        case.closed_on = date.today()


def prefill(contact_id: int | None,
            organisation_id: int | None = None) -> dict[str, Contact | Organisation | None]:
    """Form values of a new case for a contact (a "new case" link on a contact): the
    contact as primary contact and its organisation; for an organisation (its
    profile's link), the organisation. Nothing for an id that names no record of the
    current tenant."""
    contact = db.session.get(Contact, contact_id) if contact_id is not None else None
    if contact is not None:
        return {"primary_contact": contact, "organisation": contact.organisation}
    organisation = (db.session.get(Organisation, organisation_id)
                    if organisation_id is not None else None)
    return {"organisation": organisation} if organisation is not None else {}


def search_condition(search: str):
    """A case by its reference ("12" or "#12") or by words of its title."""
    text = (search or "").strip()
    if not text:
        return None
    number = text.removeprefix("#")
    conditions = [contains(Case.title, text)]
    if ascii_digits(number) and len(number) < 10:
        conditions.append(Case.reference == int(number))
    return or_(*conditions)


def matching_ids(search: str):
    """The ids of the cases the search finds (see :func:`search_condition`)."""
    return select(Case.id).where(search_condition(search))


def party_condition(contact_condition):
    """Cases whose primary or one of whose secondary contacts meets the condition."""
    contacts = select(Contact.id).where(contact_condition)
    return id_in_any(Case.id, select(Case.id).where(Case.primary_contact_id.in_(contacts)),
                     select(case_contact.c.case_id)
                     .where(case_contact.c.contact_id.in_(contacts)))

