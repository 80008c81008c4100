"""Language choice, and translations for form validation messages.

The locale comes from, in order: the session (set by /language/<code>; a login starts
an empty session), the user's own choice (saved to the account by a POST to
/language/<code>), the tenant's default language, the browser's Accept-Language.
While the database is down only the session and the browser count.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from babel import support
from flask import current_app, g, has_app_context, has_request_context, request, session
from flask_babel import get_locale, get_translations, ngettext, refresh
from flask_login import current_user
from wtforms.i18n import messages_path

from app import outage

SESSION_KEY = "language"

# Outside a request (CLI, jobs) texts follow the language of the tenant at work; the
# application factory names the function that knows it (this module sits below the
# services and cannot ask them).
def _english() -> str:
    return "en"


_language_outside_request: Callable[[], str] = _english


def install(language_outside_request: Callable[[], str]) -> None:
    global _language_outside_request
    _language_outside_request = language_outside_request


def current_language() -> str:
    """The language texts are shown in now: the request's locale, or outside a request
    the tenant's at work. The same answer Flask-Babel's gettext works with."""
    return str(get_locale() or "en") if has_app_context() else "en"


def available_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def answer_in(language: str) -> None:
    """This request answers in ``language`` from here on, error pages included: a
    request made for a tenant by no user of it (the lead intake, called by a web
    site) speaks the tenant's language, not whatever the caller's client sent."""
    g.request_language = language
    refresh()  # Flask-Babel keeps the locale it chose for the request


def select_locale() -> str:
    languages = available_languages()
    if not has_request_context():  # CLI and jobs: the language of the tenant at work
        return _language_outside_request()
    if g.get("request_language") in languages:
        return g.request_language
    if session.get(SESSION_KEY) in languages:
        return session[SESSION_KEY]
    user = current_user
    logged_in = not outage.is_down() and user is not None and user.is_authenticated
    if logged_in and user.language in languages:
        return user.language
    if logged_in and user.tenant is not None and user.tenant.default_language in languages:
        return user.tenant.default_language
    return request.accept_languages.best_match(languages) or "en"


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def N_(message: str) -> str:  # noqa: N802 - the conventional name for "mark only"
    """Mark a string for extraction without translating it here."""
    return message


# WTForms ships no Danish catalog; these of its messages are translated in our own
# catalogs, and FormTranslations prefers ours over WTForms' own.
WTFORMS_MESSAGES = (
    N_("This field is required."),
    N_("Invalid input."),
    N_("Invalid email address."),
    N_("Invalid URL."),
    N_("Not a valid choice."),
    N_("Not a valid choice"),  # Flask-Admin's relation fields say it without the stop
    N_("Not a valid date value."),
    N_("Not a valid datetime value."),
    N_("Not a valid time value."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Not a valid float value."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Field must be equal to %(other_name)s."),
    N_("Invalid value, must be one of: %(values)s."),
    N_("Invalid Choice: could not coerce."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
    N_("The CSRF token is missing."),
    N_("The CSRF token is invalid."),
    N_("The CSRF token has expired."),
    N_("The CSRF tokens do not match."),
)


def _extract_plural_messages() -> None:  # pragma: no cover - never called
    """Only for pybabel: marks WTForms' plural messages for our catalogs."""
    ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        1,
    )
    ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        1,
    )


def _wtforms_catalog() -> support.NullTranslations:
    return _wtforms_catalog_of(str(get_locale()))


@lru_cache(maxsize=16)
def _wtforms_catalog_of(locale: str) -> support.NullTranslations:
    """WTForms' own catalog, read from its file once per process and language."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class FormTranslations:
    """WTForms translations object: our catalog first, then WTForms' own."""

    def gettext(self, string: str) -> str:
        if not has_request_context():
            return string
        # a list's in-place editors make a form per row, each field asking its label
        known = g.setdefault("form_gettext", {})
        key = (str(get_locale()), string)
        if key not in known:
            ours = get_translations().ugettext(string)
            known[key] = ours if ours != string else _wtforms_catalog().ugettext(string)
        return known[key]

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if not has_request_context():
            return singular if n == 1 else plural
        ours = get_translations().ungettext(singular, plural, n)
        if ours not in (singular, plural):
            return ours
        return _wtforms_catalog().ungettext(singular, plural, n)


form_translations = FormTranslations()


# Each language named in itself, as language switchers do.
LANGUAGE_NAMES = {"da": "Dansk", "sv": "Svenska", "pl": "Polski", "en": "English"}
