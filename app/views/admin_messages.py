"""Flask-Admin's texts in our words: our catalog first, Flask-Admin's own as fallback.

Flask-Admin translates its screens through its own domain ("admin", the ``admin.mo``
files it ships). Those catalogs are stale (2.2.1 lacks msgids its code uses, such as
"Failed to create record.") and some of their wording is poor ("Opret Ny Rekord",
"Vy-post", "Tworzenie"). ``install()`` makes that domain answer from a catalog built per
language from Flask-Admin's messages overlaid with ours, so every Flask-Admin message
listed below is translated in app/translations like any of our own, and the filter
operators read the same in Flask-Admin's filters and ours. docs/translations.md tells
the whole story.
"""

from __future__ import annotations

from babel import Locale, support
from flask_admin import babel as admin_babel
from flask_babel import get_locale, get_translations, ngettext

from app.i18n import N_

# The Flask-Admin messages our screens show (its model views, SQLAlchemy filters and
# fields, bootstrap4 templates). Listed here so that extraction puts them in our
# catalogs and tests/test_translations.py holds them to being translated.
FLASK_ADMIN_MESSAGES = (
    N_("Home"),
    N_("Permission denied."),
    N_("Delete"),
    N_("Edit"),
    N_("equals"),
    N_("not equal"),
    N_("contains"),
    N_("not contains"),
    N_("greater than"),
    N_("smaller than"),
    N_("empty"),
    N_("in list"),
    N_("not in list"),
    N_("between"),
    N_("not between"),
    N_("Not a valid choice"),
    N_("Failed to create record. %(error)s"),
    N_("Failed to update record. %(error)s"),
    N_("Failed to delete record. %(error)s"),
    N_("Failed to delete records. %(error)s"),
    N_("Are you sure you want to delete selected records?"),
    N_("Already exists."),
    N_("Integrity error. %(message)s"),
    N_("Invalid time format"),
    N_("Invalid Choice: could not coerce"),
    N_("This field requires at least one item."),
    N_("There are no items in the table."),
    N_("Invalid Filter Value: %(value)s"),
    N_("Record was successfully created."),
    N_("Failed to create record."),
    N_("Record does not exist."),
    N_("Record was successfully saved."),
    N_("Failed to save record."),
    N_('Export type "%(type)s" is not supported.'),
    N_("Yes"),
    N_("No"),
    N_("View Record"),
    N_("Edit Record"),
    N_("Delete Record"),
    N_("With selected"),
    N_("Save"),
    N_("Cancel"),
    N_("Save and Add Another"),
    N_("Save and Continue Editing"),
    N_("Sort by %(name)s"),
    N_("List"),
    N_("Create"),
    N_("Details"),
    N_("Filter"),
    N_("Delete?"),
    N_("Are you sure you want to delete this record?"),
    N_("New"),
    N_("Add"),
    N_("Add Filter"),
    N_("Export"),
    N_("Apply"),
    N_("Reset Filters"),
    N_("Search"),
    N_("Create New Record"),
    N_("Select all records"),
    N_("Select record"),
    N_("Please select at least one record."),
)


def _extract_plural_messages() -> None:  # pragma: no cover - never called
    """Only for pybabel: Flask-Admin's plural messages, for our catalogs."""
    ngettext("Record was successfully deleted.",
             "%(count)s records were successfully deleted.", 1)
    ngettext("At least %(num)d item is required", "At least %(num)d items are required", 1)


_combined: dict[Locale, support.NullTranslations] = {}


def ours_first() -> support.NullTranslations:
    """The catalog Flask-Admin's gettext reads: Flask-Admin's messages of the current
    language with ours laid over them (ours win), and our plural rule. Found by the
    locale alone once made: a list page asks for it a few hundred times."""
    locale = get_locale()
    found = _combined.get(locale) if locale is not None else None
    if found is not None:
        return found
    theirs = _flask_admin_own()
    ours = get_translations()
    if not isinstance(ours, support.Translations):  # English, or outside a request
        return theirs
    combined = support.Translations()
    combined.merge(theirs)
    combined.merge(ours)
    combined.plural = ours.plural
    _combined[locale] = combined
    return combined


_flask_admin_own = admin_babel.domain.get_translations


def install() -> None:
    """Make Flask-Admin's translation domain answer with ``ours_first``. Its gettext,
    ngettext and lazy_gettext (module names bound to the one domain object, used by
    its views, filters, fields and templates) all ask ``domain.get_translations``."""
    admin_babel.domain.get_translations = ours_first
