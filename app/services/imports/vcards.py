"""vCard files (2.1, 3.0 and 4.0, one card or many, as Apple Contacts, Google and
Outlook write them) read as rows of fixed columns, so they import like a spreadsheet.

vobject unfolds long lines and decodes quoted-printable (2.1) and base64 values; a card
with several e-mails or phones gives the preferred (or first) e-mail, the first mobile
and the first other number; the first address; the organisation's name; the embedded
photo as bytes (the import stores it as the contact's photo)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import vobject

from app.services.imports.reading import Opener, Row, storable, text_stream, unreadable

COLUMNS = ("First name", "Last name", "E-mail", "Phone", "Mobile", "Organisation",
           "Job title", "Street", "Postcode", "City", "Country", "Birth date", "Website",
           "Photo")


class _Lines:
    """The file line by line as vobject reads it (``readline``), a 4.0 photo's data URI
    rewritten the 3.0 way (vobject cuts ``data:image/jpeg;base64,…`` at the comma)."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def readline(self) -> str:
        return _DATA_URI.sub(r"\1;ENCODING=b;TYPE=\2:", self.stream.readline())

    def read(self, size: int = -1) -> str:
        return _DATA_URI.sub(r"\1;ENCODING=b;TYPE=\2:", self.stream.read(size))


_DATA_URI = re.compile(r"^(PHOTO[^:\r\n]*):data:image/(\w+);base64,", re.IGNORECASE | re.MULTILINE)


def rows(opener: Opener) -> Iterator[Row]:
    with text_stream(opener, "utf-8-sig") as text:
        try:
            for number, card in enumerate(vobject.readComponents(
                    _Lines(text), ignoreUnreadable=True), start=1):
                yield Row(number, storable(_cells(card)))
        except vobject.base.ParseError as exc:
            raise unreadable() from exc


def _all(card, name: str) -> list:
    return list(card.contents.get(name, []))


def _params(line) -> set[str]:
    """A line's TYPE values in upper case (2.1 writes them as bare parameters)."""
    found: set[str] = {str(value).upper() for value in line.singletonparams}
    for key, values in line.params.items():
        if key.upper() in ("TYPE", "PREF"):
            found.update(str(v).upper() for v in values)
            if key.upper() == "PREF":
                found.add("PREF")
        else:
            found.add(key.upper())
    return {item for value in found for item in value.split(",")}


def _text(line) -> str:
    value = line.value
    if isinstance(value, list):
        value = " ".join(str(v) for v in value if v)
    return str(value or "").strip()


def _preferred(lines: list) -> Any:
    return next((line for line in lines if "PREF" in _params(line)), lines[0] if lines else None)


def _names(card) -> tuple[str, str]:
    name = card.contents.get("n", [None])[0]
    if name is not None and hasattr(name.value, "given"):
        given = " ".join(filter(None, [_join(name.value.given), _join(name.value.additional)]))
        if given or name.value.family:
            return given, _join(name.value.family)
    full = _text(card.fn) if "fn" in card.contents else ""
    first, _, last = full.rpartition(" ")
    return (first, last) if first else (full, "")


def _join(value) -> str:
    return " ".join(value).strip() if isinstance(value, list) else str(value or "").strip()


def _phones(card) -> tuple[str, str]:
    phone = mobile = ""
    for line in _all(card, "tel"):
        number = _text(line).removeprefix("tel:")
        if "CELL" in _params(line) and not mobile:
            mobile = number
        elif "CELL" not in _params(line) and not phone:
            phone = number
    return phone, mobile


def _address(card) -> tuple[str, str, str, str]:
    lines = _all(card, "adr")
    line = next((a for a in lines if "WORK" in _params(a)), _preferred(lines))
    if line is None or not hasattr(line.value, "street"):
        return "", "", "", ""
    value = line.value
    return _join(value.street), _join(value.code), _join(value.city), _join(value.country)


def _organisation(card) -> str:
    line = card.contents.get("org", [None])[0]
    if line is None:
        return ""
    value = line.value
    return (value[0] if isinstance(value, list) and value else str(value or "")).strip()


def _birthday(card) -> date | str:
    text = _text(card.bday) if "bday" in card.contents else ""
    digits = text.replace("-", "")
    if len(digits) == 8 and digits.isdigit():  # 19801224 (4.0) or 1980-12-24 (3.0)
        try:
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        except ValueError:
            return text
    return text


def _photo(card) -> bytes | str:
    line = card.contents.get("photo", [None])[0]
    if line is None:
        return ""
    value = line.value
    if isinstance(value, bytes):
        return value
    text = str(value or "")
    if text.startswith("data:") and ";base64," in text:  # 4.0 writes a data: URI
        try:
            return base64.b64decode(text.split(";base64,", 1)[1])
        except (binascii.Error, ValueError):
            return ""
    return ""  # a photo only linked to (a URL) is not fetched


def _cells(card) -> list[Any]:
    first, last = _names(card)
    phone, mobile = _phones(card)
    email = _preferred(_all(card, "email"))
    url = _preferred(_all(card, "url"))
    title = _text(card.title) if "title" in card.contents else ""
    return [first, last, _text(email) if email is not None else "", phone, mobile,
            _organisation(card), title, *_address(card), _birthday(card),
            _text(url) if url is not None else "", _photo(card)]
