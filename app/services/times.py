"""Times: kept in UTC, shown and typed on the display time zone's clock (Babel's,
from DEFAULT_TIMEZONE or the user's)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import overload
from zoneinfo import ZoneInfo

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l

# Typed dates and times outside these years are refused: nothing a CRM records happens
# then, and the distance to Python's own limits (years 1 and 9999) leaves room to move
# between time zones and to add durations and follow-ups without an OverflowError.
FIRST_YEAR, LAST_YEAR = 1900, 2999
OUT_OF_RANGE = _l("Enter a date between the years %(first)s and %(last)s.",
                  first=FIRST_YEAR, last=LAST_YEAR)


def supported(moment: date) -> bool:
    """The date (or time) lies within the years the app accepts."""
    return FIRST_YEAR <= moment.year <= LAST_YEAR


@overload
def to_utc(moment: datetime) -> datetime: ...
@overload
def to_utc(moment: None) -> None: ...
@overload
def to_utc(moment: datetime | None) -> datetime | None: ...


def to_utc(moment: datetime | None) -> datetime | None:
    """An aware UTC time; a naive one is taken as UTC (SQLite returns them naive)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def display_zone() -> ZoneInfo:
    """The time zone times are shown and typed in."""
    return ZoneInfo(str(get_timezone() or "UTC"))


def local_time(moment: datetime | None) -> datetime | None:
    """The time on the display time zone's clock (naive), None for none."""
    if moment is None:
        return None
    return to_utc(moment).astimezone(display_zone()).replace(tzinfo=None)


def local_text(moment: datetime | None, pattern: str) -> str:
    """The time on the display time zone's clock, written with ``pattern``; "" for none."""
    if moment is None:
        return ""
    return to_utc(moment).astimezone(display_zone()).strftime(pattern)


def today() -> date:
    """Today's date on the display time zone's clock."""
    return datetime.now(display_zone()).date()
