"""Values written to spreadsheet files (the CSV and XLSX exports of every list).

A spreadsheet program reads a text cell starting with = + - or @ (or a tab or carriage
return) as a formula: a contact named ``=HYPERLINK("http://…","…")`` — typed by any user,
or sent by a website visitor as a lead — would run in the spreadsheet of whoever opens
the export. Following OWASP's advice on CSV injection, such text is written with a
leading apostrophe; numbers, dates and yes/no stay typed (services.exports.tables writes
them as the reader's spreadsheet reads them)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | Decimal | date | bool | None


def cell_value(value: Any) -> Cell:
    """``value`` as one spreadsheet cell: a number, a date (or date and time), yes/no or
    nothing as it is, anything else as text that no spreadsheet program takes for a
    formula."""
    if value is None or isinstance(value, int | float | Decimal | date | bool):
        return value
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    # control characters have no place in a cell, and an XLSX file cannot hold them
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    # leading spaces do not stop every program from reading a formula
    if text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text


SHEET_TITLE_LENGTH = 31  # Excel's limit on a sheet's name


def sheet_title(name: str) -> str:
    """A list's name as an XLSX sheet's (Excel refuses []:*?/\\ and more than 31
    characters); tablib would call every sheet "Tablib Dataset"."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in name).strip()
    return cleaned[:SHEET_TITLE_LENGTH] or "-"
