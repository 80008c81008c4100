"""The error file of an import: the refused rows in the file's own columns plus a
column saying why, to fix in a spreadsheet and import again. UTF-8 with a byte-order
mark (so Excel in any language reads the letters right) and the file's own separator
(";" for XLSX and vCard files, as Nordic Excel expects); the reason column is not
guessed as a field, so the fixed file maps as the first did."""

from __future__ import annotations

import csv
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from flask_babel import gettext

from app.services import spreadsheets
from app.services.imports import values
from app.services.imports.reading import Source


def reason_header() -> str:
    return gettext("Import error")


class ErrorFile:
    """Writes refused rows as they come (nothing is kept in memory); no file when
    ``path`` is None. The header is written with the first refused row."""

    def __init__(self, path: Path | None, source: Source) -> None:
        self.path, self.source = path, source
        self.stream: IO[str] | None = None
        self.writer: Any = None

    def __enter__(self) -> ErrorFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.stream is not None:
            self.stream.close()

    def write(self, line: int, cells: list[Any], reasons: list[str]) -> None:
        if self.path is None:
            return
        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.stream = self.path.open("w", encoding="utf-8-sig", newline="")
            self.writer = csv.writer(self.stream, delimiter=self.source.delimiter or ";")
            self.writer.writerow([*self.source.headers, reason_header()])
        text = [values.text(cell) for cell in cells]
        reason = gettext("Line %(line)s: %(reasons)s", line=line, reasons="; ".join(reasons))
        # the cells as the uploader's own file had them (no apostrophe before "+45 …":
        # the fixed file must import as the original would); only the reason is ours
        self.writer.writerow([*text, spreadsheets.cell_value(reason)])
