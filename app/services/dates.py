"""Dates and times as people type and read them in their language: a Dane writes
24-12-1980 or 24.12.1980, a Pole 24.12.1980, a Swede 1980-12-24. Every language also
takes ISO (1980-12-24), which the date pickers and the API write. Times are on the
24-hour clock everywhere (08:06 or the Danish 08.06). Four-digit years only: a birth
year typed as 80 would otherwise have to be guessed."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from app.i18n import current_language
from app.services.times import OUT_OF_RANGE, supported

ISO_DATE = "%Y-%m-%d"

# How each language writes a date; the first is how it is shown back.
DATE_FORMATS: dict[str, tuple[str, ...]] = {
    "da": ("%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y", ISO_DATE),
    "pl": ("%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y", ISO_DATE),
    "sv": (ISO_DATE, "%d.%m.%Y", "%d/%m/%Y"),
    "en": (ISO_DATE, "%d/%m/%Y", "%d.%m.%Y"),
}
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%H.%M", "%H.%M.%S")
SHOWN_TIME = "%H:%M"

# strftime's codes → how the date pickers (moment.js) and people read the pattern
_MOMENT_CODES = {"%d": "DD", "%m": "MM", "%Y": "YYYY", "%H": "HH", "%M": "mm"}
_HINT_CODES = {"da": {"%Y": "ÅÅÅÅ", "%H": "TT"}, "sv": {"%Y": "ÅÅÅÅ", "%H": "TT"},
               "pl": {"%Y": "RRRR", "%H": "GG"}}


class UnreadableDate(ValueError):
    """Text that is no date (or time) in the language, or one outside the supported
    years; ``message`` says which, translated (a form shows it as the field's error)."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def _formats(language: str | None) -> tuple[str, ...]:
    return DATE_FORMATS.get((language or current_language())[:2], DATE_FORMATS["en"])


def _read(text: str, patterns: tuple[str, ...] | list[str]) -> datetime | None:
    for pattern in patterns:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def _checked(moment: datetime | None, language: str | None, with_time: bool) -> datetime:
    if moment is None:
        raise UnreadableDate(unreadable_message(language, with_time))
    if not supported(moment):
        raise UnreadableDate(OUT_OF_RANGE)
    return moment


def parse_date(text: str, language: str | None = None) -> date:
    """The date written in ``text`` the way ``language`` (by default the current one)
    writes dates, or as ISO. Raises UnreadableDate."""
    moment = _read(" ".join(str(text).split()), _formats(language))
    return _checked(moment, language, with_time=False).date()


def parse_datetime(text: str, language: str | None = None) -> datetime:
    """A naive date and time ("24.12.2026 08:06", "2026-12-24T08:06:00"); a date alone
    is its midnight. Raises UnreadableDate."""
    text = " ".join(str(text).replace("T", " ").split())
    patterns = [f"{day} {time}" for day in _formats(language) for time in TIME_FORMATS]
    moment = _read(text, [*patterns, *_formats(language)])
    return _checked(moment, language, with_time=True)


def date_text(day: date | None, language: str | None = None) -> str:
    """The date as the language writes it (and reads it back); "" for none."""
    return day.strftime(_formats(language)[0]) if day is not None else ""


def datetime_text(moment: datetime | None, language: str | None = None) -> str:
    """A (display-zone) date and time as the language writes it, 24-hour clock."""
    if moment is None:
        return ""
    return moment.strftime(f"{_formats(language)[0]} {SHOWN_TIME}")


def _shown(language: str | None, with_time: bool, codes: dict[str, str]) -> str:
    pattern = _formats(language)[0] + (f" {SHOWN_TIME}" if with_time else "")
    for code, letters in codes.items():
        pattern = pattern.replace(code, letters)
    return pattern


def picker_format(language: str | None = None, with_time: bool = False) -> str:
    """The shown format in the date picker's (moment.js) codes, e.g. "DD.MM.YYYY"."""
    return _shown(language, with_time, _MOMENT_CODES)


def date_hint(language: str | None = None, with_time: bool = False) -> str:
    """The shown format in the language's own letters, e.g. "DD.MM.ÅÅÅÅ TT:MM"."""
    language = (language or current_language())[:2]
    codes = {**_MOMENT_CODES, "%M": "MM", **_HINT_CODES.get(language, {})}
    return _shown(language, with_time, codes)


def unreadable_message(language: str | None = None, with_time: bool = False):
    """The refusal of text that is no date (with a time) in the language."""
    example = date_hint(language, with_time)
    if with_time:
        return _l("Enter a date and time as %(example)s.", example=example)
    return _l("Enter a date as %(example)s.", example=example)
