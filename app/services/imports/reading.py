"""Reading import files as rows of cells, streamed so memory stays flat at any size.

CSV and TSV files come from every spreadsheet program in every Nordic and Polish
version: UTF-8 with or without a byte-order mark, Windows-1252 (Danish/Swedish Excel)
or Windows-1250 (Polish Excel), separated by ``;`` ``,`` or tabs. The encoding is told
by the BOM, else by whether a sample decodes as UTF-8, else by charset-normalizer
choosing between the two Windows code pages; the separator by the header line. XLSX
files are read with openpyxl in read-only mode (numbers and dates stay typed cells);
vCard files become rows of fixed columns (see :mod:`app.services.imports.vcards`).

Every row carries the line number a person finds it at: the spreadsheet row, or for a
text file the line where the record starts (a quoted value may span lines).

What no database can store — NUL, and lone surrogates — is dropped from the text as it
is read (as the database's guard drops it from a statement's values): the rows are
clean before anything checks or writes them, by whichever path (PostgreSQL's COPY
passes no statement guard).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from charset_normalizer import from_bytes
from flask_babel import lazy_gettext as _l

from app.input_cleaning import UNSTORABLE
from app.services.errors import ServiceError

SAMPLE_BYTES = 64 * 1024
FORMAT_BYTES = 512  # the first bytes, telling the format
DELIMITERS = (";", "\t", ",")
WINDOWS_CODE_PAGES = ("cp1252", "cp1250")
FORMATS = ("csv", "xlsx", "vcf")
ACCEPTED_EXTENSIONS = ".csv,.txt,.tsv,.xlsx,.vcf"

csv.field_size_limit(1024 * 1024)  # a long note in one cell, not a broken file


@dataclass
class Row:
    line: int
    cells: list[Any]


# Opens the file anew, from its start, as a binary stream (a file in the store is read
# by streaming it at every pass, never whole into memory).
Opener = Callable[[], IO[bytes]]


def _opener(file: Path | Opener) -> Opener:
    return (lambda: file.open("rb")) if isinstance(file, Path) else file


@contextmanager
def text_stream(opener: Opener, encoding: str) -> Iterator[IO[str]]:
    with opener() as stream:
        # a stream of the store (S3's) may lack what TextIOWrapper asks of a file
        buffered = stream if isinstance(stream, io.BufferedIOBase) \
            else io.BufferedReader(_Readable(stream), SAMPLE_BYTES)
        with io.TextIOWrapper(buffered, encoding=encoding, newline="",
                              errors="replace") as text:
            yield text


class _Readable(io.RawIOBase):
    """A stream with only ``read`` as a raw stream TextIOWrapper can buffer."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


@dataclass
class Source:
    """An opened import file: its columns and a way to read its rows (again). XLSX
    files are local files (openpyxl seeks in them); text files are streams."""

    opener: Opener
    format: str
    headers: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None  # the local file, if it is one

    def rows(self) -> Iterator[Row]:
        if self.format == "xlsx" and self.path is not None:
            return _xlsx_rows(self.path, len(self.headers))
        if self.format == "vcf":
            from app.services.imports import vcards

            return vcards.rows(self.opener)
        return _csv_rows(self.opener, self.encoding or "utf-8", self.delimiter or ",",
                         len(self.headers))

    def count(self) -> int:
        """How many rows (records) the file holds: a quick pass for the progress bar."""
        return sum(1 for _row in self.rows())


def unreadable() -> ServiceError:
    return ServiceError(_l("The file could not be read. Upload a CSV, XLSX or vCard file."),
                        field="file")


def format_of(start: bytes, filename: str | None) -> str:
    """csv, xlsx or vcf: by the file's first bytes, which say more than its name."""
    if start.startswith(b"PK\x03\x04"):
        return "xlsx"
    text = start.lstrip(codecs.BOM_UTF8).lstrip().upper()
    if text.startswith(b"BEGIN:VCARD"):
        return "vcf"
    name = (filename or "").lower()
    if name.endswith((".xls", ".xlsx", ".ods")) and not name.endswith(".xlsx"):
        raise unreadable()
    return "csv"


def open_source(file: Path | Opener, filename: str | None = None) -> Source:
    """The file's format, columns and (for text) encoding and separator. An XLSX
    file must be a local file (a path)."""
    opener = _opener(file)
    path = file if isinstance(file, Path) else None
    with opener() as stream:
        sample = stream.read(SAMPLE_BYTES)
    kind = format_of(sample[:FORMAT_BYTES], filename or (path.name if path else None))
    if kind == "xlsx":
        if path is None:
            raise ValueError("an XLSX file is read from a local copy")
        return Source(opener, kind, _xlsx_headers(path), path=path)
    if kind == "vcf":
        from app.services.imports import vcards

        return Source(opener, kind, list(vcards.COLUMNS), path=path)
    encoding = detect_encoding(sample, complete=len(sample) < SAMPLE_BYTES)
    with text_stream(opener, encoding) as text:
        delimiter = detect_delimiter(text.readline())
    with text_stream(opener, encoding) as text:
        header = next(csv.reader(text, delimiter=delimiter), [])
    headers = _trimmed([cell.strip() for cell in header])
    if not headers:
        raise ServiceError(_l("The file has no header row."), field="file")
    return Source(opener, kind, headers, encoding=encoding, delimiter=delimiter, path=path)


def detect_encoding(sample: bytes, complete: bool = False) -> str:
    """utf-8-sig for a BOM; utf-8 when the sample decodes as such (a character cut at
    the sample's end aside); else the Windows code page charset-normalizer prefers."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # charset-normalizer ranks the code pages by how natural the text reads; on short
    # files it often cannot tell "Søren" from "Soren" with a Polish accent, so the
    # letters of the languages the program serves decide first.
    ranked = [match.encoding for match in from_bytes(sample, cp_isolation=list(
        WINDOWS_CODE_PAGES))] + list(WINDOWS_CODE_PAGES)
    order = list(dict.fromkeys(code for code in ranked if code in WINDOWS_CODE_PAGES))
    return max(order, key=lambda code: (_letter_score(sample, code), -order.index(code)))


# Letters of Danish, Swedish and Polish that only one of the two code pages spells with
# the byte the other reads as a symbol or a foreign letter (æ/ć, ø/ř, ł/³, ą/¹ …).
_LETTERS = {"cp1252": frozenset("æøåÆØÅ"), "cp1250": frozenset("ąćęłńśźżĄĆĘŁŃŚŹŻ")}


def _letter_score(sample: bytes, encoding: str) -> int:
    text = sample.decode(encoding, errors="replace")
    return sum(1 for char in text if char in _LETTERS[encoding]) - 5 * text.count("\ufffd")


def detect_delimiter(line: str) -> str:
    """The separator the header line uses most, outside quoted text."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _trimmed(headers: list[str]) -> list[str]:
    """Without the empty columns at the end (spreadsheets save a few)."""
    while headers and not headers[-1]:
        headers.pop()
    return headers


def _csv_rows(opener: Opener, encoding: str, delimiter: str, width: int) -> Iterator[Row]:
    with text_stream(opener, encoding) as text:
        # decoded with errors="replace": no lone surrogates, only NUL to drop
        reader = csv.reader((line.replace("\x00", "") for line in text),
                            delimiter=delimiter)
        next(reader, None)  # the header
        start = reader.line_num + 1
        for cells in reader:
            line, start = start, reader.line_num + 1
            if "".join(cells).strip():
                yield Row(line, _fitted(cells, width))


def _fitted(cells: list[Any], width: int) -> list[Any]:
    if len(cells) < width:
        return cells + [""] * (width - len(cells))
    return cells[:width] if len(cells) > width else cells


def storable(cells: list[Any]) -> list[Any]:
    """The cells with NUL and lone surrogates dropped from each text."""
    return [UNSTORABLE.sub("", cell) if isinstance(cell, str) else cell for cell in cells]


def _workbook(path: Path):
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a damaged or disguised file: openpyxl raises many kinds
        raise unreadable() from exc


def _xlsx_headers(path: Path) -> list[str]:
    book = _workbook(path)
    try:
        sheet = book.worksheets[0]
        first = next(sheet.iter_rows(max_row=1, values_only=True), ())
        headers = _trimmed(["" if cell is None else str(cell).strip() for cell in first])
    finally:
        book.close()
    if not headers:
        raise ServiceError(_l("The file has no header row."), field="file")
    return headers


def _xlsx_rows(path: Path, width: int) -> Iterator[Row]:
    book = _workbook(path)
    try:
        sheet = book.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
            values = storable(["" if cell is None else cell for cell in cells])
            if any(str(value).strip() for value in values):
                yield Row(line, _fitted(values, width))
    finally:
        book.close()
