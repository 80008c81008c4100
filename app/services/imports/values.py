"""Cells of import files as values: text, dates as Danes, Swedes and Poles write them
(24-12-1980, 24.12.1980, 1980-12-24), numbers with a decimal comma and thousands
separators (1.234,50 or 1 234,50), countries by code or name. XLSX cells arrive typed
(numbers, dates) and are taken as they are."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from app.services import countries
from app.services.dates import UnreadableDate, parse_date, unreadable_message
from app.services.errors import ServiceError
from app.services.times import OUT_OF_RANGE, supported

# Danish (and Polish) writing reads every form the files hold: d.m.Y, d-m-Y, d/m/Y, ISO.
DATE_LANGUAGE = "da"
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_DAY_FIRST = re.compile(r"^(?P<day>\d{1,2})([-./])(?P<month>\d{1,2})\2(?P<year>\d{4})$")
_YEAR_FIRST = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})$")
_GROUPED = re.compile(r"^[-+]?\d{1,3}(?:\.\d{3}){2,}$")


def text(cell: Any) -> str:
    """A cell as text: whole numbers without ".0" (phone numbers and customer numbers
    in a spreadsheet are number cells), dates in ISO."""
    if type(cell) is str:  # nearly every cell of a text file: first, at once
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() \
            else cell.isoformat(sep=" ")
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, bytes):
        return ""
    return str(cell).strip()


def to_date(cell: Any, field: str) -> date | None:
    if isinstance(cell, datetime):
        cell = cell.date()
    if isinstance(cell, date):
        if not supported(cell):
            raise ServiceError(OUT_OF_RANGE, field=field)
        return cell
    value = text(cell)
    if not value:
        return None
    if len(value) == 10 and value[2] in "-./" and value[5] == value[2]:
        found = _day_first(value)  # 24-12-1980: most files' every row
        if found is not None:
            return found
    numbers = _DAY_FIRST.match(value) or _YEAR_FIRST.match(value)
    if numbers:  # the common forms read without strptime (an import reads 100,000)
        day, month, year = (numbers.group(name) for name in ("day", "month", "year"))
        try:
            found = date(int(year), int(month), int(day))
        except ValueError:
            found = None
        if found is not None and supported(found):
            return found
    try:
        return parse_date(value, DATE_LANGUAGE)
    except UnreadableDate as exc:
        message = exc.message if exc.message == OUT_OF_RANGE else unreadable_message()
        raise ServiceError(message, field=field) from None


def _day_first(value: str) -> date | None:
    """dd-mm-yyyy (or with dots or slashes) as a supported date; None for anything else."""
    day, month, year = value[:2], value[3:5], value[6:]
    if not (day.isdigit() and month.isdigit() and year.isdigit() and day.isascii()
            and month.isascii() and year.isascii()):
        return None
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return found if supported(found) else None


def number_text(cell: Any) -> str:
    """A number as plain digits with a decimal point: "1.234,50" and "1 234,50" →
    "1234.50". A single point is a decimal point; points grouping three digits twice or
    more ("1.234.567") are thousands."""
    if isinstance(cell, int | float | Decimal) and not isinstance(cell, bool):
        return str(cell)
    value = _SPACES.sub("", text(cell))
    if "," in value and "." in value:
        thousands = "." if value.rindex(",") > value.rindex(".") else ","
        value = value.replace(thousands, "")
    elif _GROUPED.match(value):
        value = value.replace(".", "")
    return value.replace(",", ".")


def to_int(cell: Any, field: str) -> int | None:
    value = number_text(cell)
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value() \
            or not 0 < number < 2**31:
        raise ServiceError(_l("Enter a whole number."), field=field)
    return int(number)


def to_country(cell: Any, field: str) -> str | None:
    value = text(cell)
    if not value:
        return None
    code = countries.code_of(value)
    if code is None:
        raise ServiceError(_l("Not a valid choice."), field=field)
    return code
