"""The countries a user can pick: ISO 3166-1's two-letter codes, named in the reader's
language from Babel's CLDR data (so no catalog of ours has to hold 249 names), the
tenant's own country first."""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale

# CLDR lists regions that are not ISO 3166-1 countries under two-letter codes too:
# reserved or exceptional codes (Ascension, Canary Islands, EU, UN, pseudo-locales …).
NOT_ISO_3166 = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA",
                          "UN", "XA", "XB", "XK", "ZZ"})


def _sort_key(name: str) -> str:
    """Names ordered by their letters without accents (Åland among the A's, Österreich
    among the O's), the way a reader scans a long list for a name."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _countries(language: str) -> tuple[tuple[str, str], ...]:
    territories = Locale.parse(language).territories
    named = ((code, name) for code, name in territories.items()
             if len(code) == 2 and code.isalpha() and code not in NOT_ISO_3166)
    return tuple(sorted(named, key=lambda item: _sort_key(item[1])))


def country_codes() -> frozenset[str]:
    return frozenset(code for code, _name in _countries("en"))


def country_name(code: str | None, language: str) -> str:
    """The country's name in ``language``; an unknown code is shown as it is."""
    return dict(_countries(language)).get((code or "").upper(), code or "")


def country_choices(language: str, first: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of every country in ``language``, the ``first`` country at the top."""
    countries = _countries(language)
    top = [item for item in countries if item[0] == first]
    return [*top, *(item for item in countries if item[0] != first)]


@cache
def _codes_by_name() -> dict[str, str]:
    names: dict[str, str] = {}
    for language in ("en", "da", "sv", "pl"):
        for code, name in _countries(language):
            names.setdefault(_sort_key(name), code)
    return names


def code_of(text: str | None) -> str | None:
    """The two-letter code of a country given by its code or by its name in one of the
    program's languages ("Danmark", "Sverige", "Polska", "Denmark"); None when unknown."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) == 2 and text.upper() in country_codes():
        return text.upper()
    return _codes_by_name().get(_sort_key(text))
