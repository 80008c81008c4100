"""Personal IDs, company registration numbers, phone numbers and web addresses.

Everything here turns what a user typed into one stored form (so equal values compare
equal) and refuses what cannot be right, with a translated message for the form field.
National IDs and registration numbers are stored in python-stdnum's ``compact`` form for
every country: the digits without spaces or dashes, except for a Swedish personnummer,
where the ``-``/``+`` before the last four digits is part of the number (``+`` marks a
person aged 100 or more) and the 10- or 12-digit length typed is kept.
"""

from __future__ import annotations

import datetime
import re
from functools import cache, lru_cache
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from stdnum.dk import cpr, cvr
from stdnum.exceptions import ValidationError
from stdnum.pl import nip, pesel
from stdnum.se import orgnr, personnummer

from app.services.errors import ServiceError

COUNTRIES = ("DK", "SE", "PL")
DEFAULT_PHONE_COUNTRY = "DK"
# Where a number typed without its country code is read, by the language in use.
PHONE_REGION_OF_LANGUAGE = {"da": "DK", "sv": "SE", "pl": "PL", "en": "GB"}

NATIONAL_ID_NAMES = {
    "DK": _l("CPR number (Denmark)"),
    "SE": _l("Personal identity number (Sweden)"),
    "PL": _l("PESEL (Poland)"),
}
REGISTRATION_NAMES = {
    "DK": _l("CVR number (Denmark)"),
    "SE": _l("Organisation number (Sweden)"),
    "PL": _l("NIP (Poland)"),
}

_NATIONAL_ID_MODULES: dict[str, ModuleType] = {"DK": cpr, "SE": personnummer, "PL": pesel}
_REGISTRATION_MODULES: dict[str, ModuleType] = {"DK": cvr, "SE": orgnr, "PL": nip}


# A scheme is letters then ":"; "example.com:8080" is a host with a port, not a scheme.
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):(?!\d)", re.IGNORECASE)
_HOST_LABEL = re.compile(r"^(?!-)[^\s.:/@]+(?<!-)$")


def _country(country: str | None) -> str | None:
    """Forms may send lower case or padding; anything outside COUNTRIES counts as missing,
    since there is no rule to check it with."""
    code = (country or "").strip().upper()
    return code if code in COUNTRIES else None


def _validated(
    value: str | None,
    country: str | None,
    modules: dict[str, ModuleType],
    names: dict[str, object],
    missing_country: tuple[Any, str],
    field: str,
) -> str | None:
    """One path for both kinds of number, so they fail and compact the same way.
    ``missing_country``: the message and field refusing a number without its country."""
    value = (value or "").strip()
    if not value:
        return None
    code = _country(country)
    if code is None:
        raise ServiceError(missing_country[0], field=missing_country[1])
    try:
        return modules[code].compact(modules[code].validate(value))
    except ValidationError:
        raise ServiceError(
            _l("This is not a valid %(kind)s.", kind=names[code]), field=field
        ) from None


_MISSING_ID_COUNTRY = (_l("Choose the country of the personal ID."), "national_id_country")
_MISSING_REGISTRATION_COUNTRY = (_l("Choose the country of the registration number."),
                                 "registration_country")


def normalise_national_id(
    value: str | None, country: str | None, field: str = "national_id"
) -> str | None:
    """A personal ID means nothing without its country: the same digits can be valid in
    one country and someone else's number, or nonsense, in another."""
    return _validated(value, country, _NATIONAL_ID_MODULES, NATIONAL_ID_NAMES,
                      _MISSING_ID_COUNTRY, field)


def birth_date_from_national_id(value: str | None, country: str | None) -> datetime.date | None:
    """Lets a birthday be filled in from the ID instead of typed twice. None when the ID
    is missing or invalid, since an invalid number's date cannot be trusted."""
    code = _country(country)
    if not value or code is None:
        return None
    module = _NATIONAL_ID_MODULES[code]
    try:
        return module.get_birth_date(module.validate(value))
    except ValidationError:
        return None


def normalise_registration_number(
    value: str | None, country: str | None, field: str = "registration_number"
) -> str | None:
    """Company numbers follow each country's own check-digit rules, so the country
    decides which rule applies; a country prefix such as "DK" or "PL" is dropped."""
    return _validated(value, country, _REGISTRATION_MODULES, REGISTRATION_NAMES,
                      _MISSING_REGISTRATION_COUNTRY, field)


def normalise_email(value: str, field: str = "email", message=None) -> str:
    """The address in its normal form (the syntax checked, not whether it exists);
    ServiceError (``message`` or the usual one) on the field otherwise."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ServiceError(message or _l("Invalid email address."), field=field) from None


# A plain address (letters, digits and the usual signs, a dotted domain ending in a
# letters-only top level) is valid by email-validator's rules too; anything else is
# asked of email-validator itself, which is exact but slow for an import of 100,000.
_PLAIN_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


def check_email_syntax(value: str, field: str = "email") -> None:
    """ServiceError unless the address is well formed (as :func:`normalise_email`)."""
    text = value.strip()
    local, _, domain = text.rpartition("@")
    if (_PLAIN_EMAIL.match(text) and len(text) <= 254 and len(local) <= 64
            and domain.rpartition(".")[2].lower() not in SPECIAL_USE_DOMAIN_NAMES):
        return
    normalise_email(text, field=field)


def _plain_national_number(value: str, region: str) -> str | None:
    """The number's E.164 form when it is typed as digits (spaces, dashes allowed) in
    the region's own way and is valid there; None otherwise, for phonenumbers' full
    parse to decide. Only ever accepts what that parse accepts the same way: a valid
    national number is never read as anything else."""
    digits = value.translate(_SEPARATORS)
    rules = _national_rules(region)
    if rules is None or not digits.isascii() or not digits.isdigit():
        return None
    country_code, prefix, general, kinds = rules
    if prefix:
        digits = digits.removeprefix(prefix)
    if not digits or digits[0] == "0" or len(digits) > 15:
        return None
    kind = kinds.get(len(digits))
    if kind is not None and _matches(digits, general) and kind.fullmatch(digits):
        return f"+{country_code}{digits}"
    return None


_Rule = tuple[frozenset[int], "re.Pattern[str]"]
_KINDS = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager",
          "uan", "voicemail", "fixed_line", "mobile")


@cache
def _national_rules(region: str) -> tuple[int, str, _Rule, dict[int, re.Pattern[str]]] | None:
    """phonenumbers' validity rules of a region, compiled once: a number is valid when
    it fits the general description and that of one kind of number (its
    ``_number_type_helper`` asks the same, one function call per test) — the kinds of
    each length of number as one pattern (an alternation of theirs). None for a region
    whose national prefix is a pattern, not plain digits."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.country_code is None:
        return None
    prefix = metadata.national_prefix_for_parsing or ""
    if (prefix and not prefix.isdigit()) or metadata.national_prefix_transform_rule:
        return None

    def rule(desc) -> _Rule | None:
        if desc is None or not desc.national_number_pattern:
            return None
        return frozenset(desc.possible_length), re.compile(desc.national_number_pattern)

    general = rule(metadata.general_desc)
    if general is None:
        return None
    kinds = [found for name in _KINDS if (found := rule(getattr(metadata, name, None)))]
    by_length = {}
    for length in range(1, 16):
        fitting = [pattern.pattern for lengths, pattern in kinds
                   if not lengths or length in lengths]
        if fitting:
            by_length[length] = re.compile("|".join(f"(?:{p})" for p in fitting))
    return metadata.country_code, prefix, general, by_length


def _matches(digits: str, rule: _Rule) -> bool:
    lengths, pattern = rule
    return (not lengths or len(digits) in lengths) and pattern.fullmatch(digits) is not None


_SEPARATORS = str.maketrans("", "", " -./()\u00a0")


def normalise_phone(
    value: str | None, default_country: str | None, field: str = "phone"
) -> str | None:
    """People type numbers the local way; E.164 is stored so the same number typed two
    ways is one value and can be dialled from anywhere. ``default_country`` only applies
    to numbers typed without a ``+`` country code."""
    value = (value or "").strip()
    if not value:
        return None
    region = (default_country or "").strip().upper() or DEFAULT_PHONE_COUNTRY
    if value[0].isdigit() and not value.startswith("00"):
        plain = _plain_national_number(value, region)
        if plain is not None:
            return plain
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ServiceError(_l("This is not a valid phone number."), field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=4096)  # a list shows the same few numbers' formats over and over
def format_phone(e164: str | None, locale_country: str | None = None) -> str:
    """Readers expect local numbers without the country code and foreign ones with it.
    Display code must never fail on old data, so an unparseable value is shown as is."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    local = phonenumbers.region_code_for_number(number) == (locale_country or "").upper()
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if local
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def _valid_host(host: str | None) -> bool:
    """A dotted host rules out typos such as "example" and local names like "localhost"."""
    labels = (host or "").split(".")
    return len(labels) >= 2 and all(_HOST_LABEL.match(label) for label in labels)


def normalise_website(value: str | None) -> str | None:
    """Users type "example.com"; links need a scheme. Only http(s) is accepted so a stored
    address can never become a ``javascript:`` or ``mailto:`` link."""
    value = (value or "").strip()
    if not value:
        return None
    if not _SCHEME.match(value):
        value = "https://" + value
    invalid = ServiceError(_l("This is not a valid web address."), field="website")
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        raise invalid from None
    if parts.scheme.lower() not in ("http", "https"):
        raise invalid
    if parts.username is not None or not _valid_host(parts.hostname):
        raise invalid
    return urlunsplit(parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()))
