"""Times: kept in UTC, shown and typed on the display time zone's clock (Babel's,
from DEFAULT_TIMEZONE or the user's)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import get_timezone


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


def local_text(moment: datetime | None, pattern: str) -> str:
    """The time on the display time zone's clock, written with ``pattern``; "" for none."""
    if moment is None:
        return ""
    return to_utc(moment).astimezone(display_zone()).strftime(pattern)


def today() -> date:
    """Today's date on the display time zone's clock."""
    return datetime.now(display_zone()).date()
