"""Words that name persons follow the tenant's contact term (A2): "contact" or
"customer". Each phrase has its two source strings so translators see both."""

from __future__ import annotations

from flask_babel import LazyString, lazy_pgettext
from flask_babel import lazy_gettext as _l

from app.models.tenant import TERM_CUSTOMER

PHRASES = {
    "singular": (_l("Contact"), _l("Customer")),
    "plural": (_l("Contacts"), _l("Customers")),
    "the_named": (_l("the contact '%(name)s'"), _l("the customer '%(name)s'")),
    "primary": (_l("Primary contact"), _l("Primary customer")),
    "others": (_l("Other contacts"), _l("Other customers")),
    "primary_required": (_l("A case must have a primary contact."),
                         _l("A case must have a primary customer.")),
    "new": (_l("New contact"), _l("New customer")),
    "created": (_l("Contact %(name)s was saved."), _l("Customer %(name)s was saved.")),
    "save_private": (_l("Save as private customer"), _l("Save as private customer")),
    "private_customers": (_l("Private customers"), _l("Private customers")),
    "duplicate_email": (
        _l("Another contact already has this e-mail address."),
        _l("Another customer already has this e-mail address."),
    ),
    "notes_private": (
        _l("Only administrators and the responsible user can read the notes of this contact."),
        _l("Only administrators and the responsible user can read the notes of this "
           "customer."),
    ),
    "private_help": (
        _l("Private: only administrators and the responsible user can read the notes about "
           "this contact; others see only that a note exists."),
        _l("Private: only administrators and the responsible user can read the notes about "
           "this customer; others see only that a note exists."),
    ),
    "likely_duplicates": (
        _l("This contact may already exist. Check the list below, or save anyway."),
        _l("This customer may already exist. Check the list below, or save anyway."),
    ),
}


def term(phrase: str, **variables) -> str:
    """The phrase in the current language, for the current tenant's term."""
    from app.services.settings import setting

    contact_text, customer_text = PHRASES[phrase]
    chosen = customer_text if setting("contact_term") == TERM_CUSTOMER else contact_text
    text = str(chosen)
    return text % variables if variables else text


def lazy_term(phrase: str) -> LazyString:
    """Like term(), evaluated when shown (menu items, view titles)."""
    return LazyString(term, phrase)


# "Title" names two things: a case's, task's or sales record's heading, and the
# position a person holds (Polish: "Tytuł" and "Stanowisko").
RECORD_TITLE = lazy_pgettext("heading of a case, task or sales record", "Title")
JOB_TITLE = lazy_pgettext("position a person holds at an organisation", "Title")
