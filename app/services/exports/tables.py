"""Lists written as spreadsheet files that open right in the reader's Excel.

A Danish, Swedish or Polish Excel opens a CSV file with the list separator and the
number and date formats of Windows' regional settings: ``;`` between cells, a decimal
comma, and the short date of the language (24-12-1980, 1980-12-24, 24.12.1980); without
a byte-order mark it takes the file for the ANSI code page and garbles æ, ø, å, ł. An
English CSV keeps the comma and the decimal point, with ISO dates, which every Excel
reads as dates. XLSX cells are typed instead: numbers are numbers and dates are dates,
formatted with Excel's built-in formats that follow the reader's own regional settings.

Values arrive typed (``spreadsheets.cell_value``: text already safe from formulas)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice
from typing import Any

from flask_babel import force_locale, gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from app.services.spreadsheets import sheet_title

BOM = "\ufeff"


@dataclass(frozen=True)
class Convention:
    """How one language's Excel reads a CSV file."""

    delimiter: str
    decimal: str
    date: str  # strftime pattern of the short date Excel parses

    def datetime(self) -> str:
        return f"{self.date} %H:%M"


CONVENTIONS = {
    "da": Convention(";", ",", "%d-%m-%Y"),
    "sv": Convention(";", ",", "%Y-%m-%d"),
    "pl": Convention(";", ",", "%d.%m.%Y"),
    "en": Convention(",", ".", "%Y-%m-%d"),
}

# Built-in number formats (ids 14 and 22): Excel and LibreOffice show them in the
# reader's own short date, not as written here.
DATE_FORMAT = "mm-dd-yy"
DATETIME_FORMAT = "m/d/yy h:mm"
WIDTH_SAMPLE = 200  # rows looked at to size the columns
MIN_WIDTH, MAX_WIDTH = 8, 50


@dataclass
class Table:
    """A list to write: its name (the sheet's), column titles and rows of typed values
    (str, int, float, Decimal, date, datetime, bool or None). ``rows`` may be a
    generator: it is read once, so a large list is never held whole."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]


def convention(language: str) -> Convention:
    return CONVENTIONS.get(language, CONVENTIONS["en"])


def csv_text(value: Any, rules: Convention) -> str:
    """One cell as the language's Excel reads it back as the same value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime):
        return value.strftime(rules.datetime())
    if isinstance(value, date):
        return value.strftime(rules.date)
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", rules.decimal)
    if isinstance(value, float):
        return repr(value).replace(".", rules.decimal)
    return str(value)


def csv_bytes(table: Table, language: str) -> bytes:
    """The table as a UTF-8 CSV file with a byte-order mark, in ``language``'s
    separator, numbers and dates."""
    return b"".join(csv_chunks(table, language))


def csv_chunks(table: Table, language: str, rows_per_chunk: int = 500) -> Iterator[bytes]:
    """The same file in pieces, for a job writing a large export as it goes."""
    rules = convention(language)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=rules.delimiter, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([csv_text(title, rules) for title in table.headers])
    with force_locale(language):  # the words for yes and no
        for number, row in enumerate(table.rows, start=1):
            writer.writerow([csv_text(value, rules) for value in row])
            if number % rows_per_chunk == 0:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode()


def xlsx_bytes(table: Table) -> bytes:
    """The table as an XLSX workbook of one sheet named after the list: a bold, frozen
    title row with a filter, typed cells, columns sized to their contents."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(table.title))
    rows = iter(table.rows)
    sample = list(islice(rows, WIDTH_SAMPLE))  # columns are sized before any row
    _size_columns(sheet, table.headers, sample)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_header_cell(sheet, title, bold) for title in table.headers])
    count = 0
    for count, row in enumerate(chain(sample, rows), start=1):  # noqa: B007 - the count
        sheet.append([xlsx_cell(sheet, value) for value in row])
    if table.headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.headers))}{count + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _header_cell(sheet: WriteOnlyWorksheet, title: str, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=str(title))
    cell.font = font
    return cell


def xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """A value as a typed cell: dates and times with a date format, amounts with their
    decimals; anything else as openpyxl writes it (text, numbers, booleans)."""
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=_naive(value))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        cell = WriteOnlyCell(sheet, value=value)
        if places > 0:
            cell.number_format = "#,##0." + "0" * places
        return cell
    return value


def _naive(moment: datetime) -> datetime:
    """Excel has no time zones: callers give times on the reader's clock already; an
    aware time keeps its clock reading."""
    return moment.replace(tzinfo=None)


def _size_columns(sheet: WriteOnlyWorksheet, headers: Sequence[str],
                  sample: list[Sequence[Any]]) -> None:
    for index, title in enumerate(headers):
        longest = max([len(str(title)), *(_shown_length(row[index]) for row in sample
                                          if index < len(row))])
        width = min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(index + 1)].width = width


def _shown_length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)
