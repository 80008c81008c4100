"""Contacts as vCards: the one writer of the vCard export (4.0), the address-book feed
and the CardDAV address book (3.0, the version RFC 6352 has every client read).

Written here rather than with vobject, which escapes a 4.0 PHOTO's data: URI as text
and leaves it unfolded; the output is read back with vobject in the tests. Lines are
folded at 75 octets without splitting a character, ends are CRLF (RFC 6350 3.2).

The TYPE of phones, e-mails and addresses follows the contact's kind: a company
contact's phone and address (its organisation's) are WORK, a private customer's HOME;
a mobile is CELL either way."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from app.models import Contact
from app.models.contact import KIND_PRIVATE
from app.services.contacts import contacts, photos
from app.services.countries import country_name
from app.services.times import to_utc

VERSION_3 = "3.0"
VERSION_4 = "4.0"
LINE_OCTETS = 75
# Raised when what a card says changes shape, so CardDAV clients fetch every card anew.
WRITER_REVISION = "1"


@dataclass(frozen=True)
class Options:
    version: str = VERSION_4
    photo: bool = True  # the thumbnail, embedded (a few kilobytes)
    language: str = "en"  # of country names


def uid(contact: Contact) -> str:
    """The contact's UID: the same in every card of it, so clients recognise it."""
    return f"kontakt-{contact.tenant_id}-contact-{contact.id}"


def escape(text: str) -> str:
    """A text value (RFC 6350 3.4): backslash, comma, semicolon and line breaks."""
    return (text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """One content line folded at 75 octets, never inside a UTF-8 character."""
    out: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode())
        if size + width > LINE_OCTETS:
            out.append(current)
            current, size = " ", 1  # a continuation line starts with one space
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out) + "\r\n"


def _types(options: Options, *names: str) -> str:
    words = ",".join(names)
    return f";TYPE={words.upper() if options.version == VERSION_3 else words.lower()}"


def vcard(contact: Contact, options: Options = Options()) -> str:
    """The contact as one vCard (its organisation loaded with it)."""
    lines = ["BEGIN:VCARD", f"VERSION:{options.version}"]
    lines.append(("UID:" if options.version == VERSION_3 else "UID;VALUE=text:")
                 + escape(uid(contact)))
    lines.append(f"N:{escape(contact.last_name or '')};{escape(contact.first_name or '')};;;")
    lines.append(f"FN:{escape(contact.full_name)}")
    if contact.organisation is not None and not contact.organisation.is_private_customers:
        lines.append(f"ORG:{escape(contact.organisation.name)}")
    if contact.job_title:
        lines.append(f"TITLE:{escape(contact.job_title)}")
    lines.extend(_reachable(contact, options))
    address = _address(contact, options)
    if address:
        lines.append(address)
    if contact.website:
        lines.append(f"URL:{escape(contact.website)}")
    photo = _photo(contact, options) if options.photo else None
    if photo:
        lines.append(photo)
    if contact.updated_at:
        lines.append(f"REV:{to_utc(contact.updated_at).strftime('%Y%m%dT%H%M%SZ')}")
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)


def _place(contact: Contact) -> str:
    return "home" if contact.kind == KIND_PRIVATE else "work"


def _reachable(contact: Contact, options: Options) -> list[str]:
    place = _place(contact)
    lines = []
    if contact.email:
        names = ("internet", place) if options.version == VERSION_3 else (place,)
        lines.append(f"EMAIL{_types(options, *names)}:{escape(contact.email)}")
    if contact.phone:
        lines.append(f"TEL{_types(options, place, 'voice')}:{escape(contact.phone)}")
    if contact.mobile:
        lines.append(f"TEL{_types(options, 'cell')}:{escape(contact.mobile)}")
    return lines


def _address(contact: Contact, options: Options) -> str | None:
    holder = contacts.address_holder(contact)
    if not (holder.street or holder.postcode or holder.city):
        return None
    country = country_name(holder.country, options.language) if holder.country else ""
    # post office box; extended address; street; locality; region; postal code; country
    parts = ("", "", holder.street or "", holder.city or "", "", holder.postcode or "",
             country or "")
    return f"ADR{_types(options, _place(contact))}:" + ";".join(escape(p) for p in parts)


def _photo(contact: Contact, options: Options) -> str | None:
    thumbnail = photos.read(contact.photo, thumbnail=True)
    if thumbnail is None:
        return None
    data = base64.b64encode(thumbnail).decode()
    if options.version == VERSION_3:
        return f"PHOTO;ENCODING=b;TYPE=JPEG:{data}"
    return f"PHOTO:data:image/jpeg;base64,{data}"


def vcards(records: Iterable[Contact], options: Options = Options()) -> Iterator[str]:
    for contact in records:
        yield vcard(contact, options)


def vcf_bytes(records: Iterable[Contact], options: Options = Options()) -> bytes:
    """One .vcf file of the contacts' cards."""
    return "".join(vcards(records, options)).encode()


def etag(contact: Contact, options: Options = Options()) -> str:
    """Changes whenever the contact's card may: the contact's or its organisation's
    change, or a new way of writing cards. Cheap: no card is written for it."""
    organisation = contact.organisation
    return etag_of(contact.id, contact.updated_at, contact.photo,
                   organisation.updated_at if organisation is not None else None, options)


def etag_of(contact_id: int, updated_at: datetime | None, photo: str | None,
            organisation_updated_at: datetime | None, options: Options) -> str:
    """``etag`` from the columns alone (a whole address book's, without loading it)."""
    basis = (f"{WRITER_REVISION}:{options}:{contact_id}:{_stamp(updated_at)}:{photo}:"
             f"{_stamp(organisation_updated_at)}")
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


def _stamp(moment: datetime | None) -> str:
    """The same text for the same time whether the database gave it aware or naive."""
    return "" if moment is None else to_utc(moment).strftime("%Y%m%dT%H%M%S.%f")
