"""Letters (E9, seed 001: "write a letter and download it for printing"): the tenant's
letterhead, kept in its settings with the logo in its file storage, and letters, which
are activities of kind "letter" with the contact as participant, printed as PDF
(services.activities.letter_pdf) in the tenant's language."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import IO

from flask_babel import force_locale, format_date, get_locale
from flask_babel import gettext as _
from PIL import Image, ImageOps
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import Activity, Contact, Organisation, Tenant, User
from app.models.activity import LETTER
from app.models.base import utcnow
from app.services import storage
from app.services.activities import activities
from app.services.activities.letter_pdf import LetterContent, render
from app.services.contacts import contacts, photos
from app.services.settings import (
    current_tenant,
    home_country,
    setting,
    tenant_language,
    update_settings,
)

LOGO_KIND = "letterhead"  # the storage folder of letterhead logos
LOGO_SIZE = (1200, 400)  # enough for print at the 60 × 20 mm the logo gets


@dataclass(frozen=True)
class Letterhead:
    sender_name: str = ""
    sender_address: str = ""  # one line per row
    footer: str = ""
    logo: str | None = None  # stored file name

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.sender_address.splitlines() if line.strip()]


def letterhead() -> Letterhead:
    """The current tenant's letterhead (empty texts until an administrator writes it)."""
    stored = setting("letterhead") or {}
    return Letterhead(**{f.name: stored.get(f.name, f.default) for f in fields(Letterhead)})


def update_letterhead(tenant: Tenant, *, sender_name: str, sender_address: str, footer: str,
                      logo: Image.Image | None = None, remove_logo: bool = False) -> str | None:
    """Save the letterhead, with a new logo (a checked Pillow image) or without the old
    one. Returns the replaced logo's name, to delete once the change is committed."""
    current = letterhead()
    name, replaced = current.logo, None
    if logo is not None or remove_logo:
        replaced = current.logo
        name = store_logo(logo) if logo is not None else None
    updated = Letterhead(sender_name=sender_name.strip(), sender_address=sender_address.strip(),
                         footer=footer.strip(), logo=name)
    update_settings(tenant, {"letterhead": asdict(updated)})
    return replaced


def store_logo(image: Image.Image) -> str:
    """Re-encode the logo as PNG (transparency kept) for the current tenant."""
    image = ImageOps.exif_transpose(image)
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    name = storage.new_name(".png")
    photos.save_image(LOGO_KIND, name, image.convert("RGBA" if transparent else "RGB"),
                      LOGO_SIZE, "PNG")
    return name


def open_logo(name: str | None) -> IO[bytes]:
    """The current tenant's logo as a stream; FileNotFoundError when there is none."""
    return storage.open(LOGO_KIND, name)


def logo_bytes(name: str | None) -> bytes | None:
    return storage.read(LOGO_KIND, name)


def remove_logo(name: str | None) -> None:
    storage.delete(LOGO_KIND, name)


# --- letters ---------------------------------------------------------------------------

def write_letter(contact: Contact, subject: str, body: str, employee: User,
                 follow_up: activities.FollowUp | None = None) -> Activity:
    """A letter to the contact, written now by the employee; with ``follow_up`` asked,
    the next contact is planned too. Like any activity recorded on the activity screen
    it is history (not planned) and stays editable there until someone marks it
    completed."""
    letter = Activity(
        kind=LETTER, subject=subject, body=normalise_lines(body),
        organisation=activities.counterparty(contact), contacts=[contact],
        employee=employee,
        starts_at=utcnow(), planned=False, completed=False,
    )
    activities.prepare(letter, is_new=True, creator_id=employee.id)
    db.session.add(letter)
    activities.plan_next_contact(letter, follow_up)
    return letter


def normalise_lines(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def get_letter(activity_id: int) -> Activity | None:
    """The current tenant's letter of that id, with what its PDF shows; None otherwise."""
    query = (
        select(Activity)
        .where(Activity.id == activity_id, Activity.kind == LETTER)
        .options(joinedload(Activity.organisation), joinedload(Activity.employee),
                 selectinload(Activity.contacts).joinedload(Contact.organisation))
    )
    return db.session.scalar(query)


def recipient_lines(letter: Activity) -> list[str]:
    contact = letter.contacts[0] if letter.contacts else None
    return address_block(contact, letter.organisation)


def address_block(contact: Contact | None, organisation: Organisation | None = None
                  ) -> list[str]:
    """The recipient's address block: a company contact's organisation and its address
    (B6), a private contact's own; without a contact, the organisation's."""
    holder = contacts.address_holder(contact) if contact is not None else organisation
    if holder is None:
        return []
    lines = []
    if isinstance(holder, Organisation) and not holder.is_private_customers:
        lines.append(holder.name)
    if contact is not None:
        lines.append(contact.full_name)
    return lines + postal_lines(holder, domestic_country=False)


def postal_lines(holder: Contact | Organisation, domestic_country: bool = True
                 ) -> list[str]:
    """Street, postcode and city, and the country by its name in the current language
    (``address_lines`` gives the code); a letter leaves out the country when it is
    the tenant's own (``domestic_country=False``), as the post asks."""
    locality = " ".join(part for part in (holder.postcode, holder.city) if part)
    code = (holder.country or "").upper()
    if not domestic_country and code == home_country():
        code = ""
    country = code and get_locale().territories.get(code)
    return [line for line in (holder.street, locality, country or code) if line]


def letter_pdf(letter: Activity) -> bytes:
    """The printable letter, in the tenant's language whatever the writer's."""
    with force_locale(tenant_language()):
        employee = letter.employee
        return render(_content(
            recipient=recipient_lines(letter), date=format_date(letter.starts_at, "long"),
            subject=letter.subject, body=letter.body or "",
            signature=(employee.full_name or employee.email) if employee else ""))


def sample_pdf() -> bytes:
    """A letter to no one, to show an administrator the letterhead."""
    with force_locale(tenant_language()):
        return render(_content(
            recipient=[_("Recipient name"), _("Street 1"), _("Postcode and city")],
            date=format_date(utcnow(), "long"), subject=_("Sample letter"),
            body=_("This is how your letters look.\nThe text of each letter goes here."),
            signature=_("Your name")))


def _content(**values) -> LetterContent:
    head = letterhead()
    tenant = current_tenant()
    return LetterContent(
        sender_name=head.sender_name or (tenant.name if tenant else ""),
        sender_lines=head.address_lines, logo=logo_bytes(head.logo), footer=head.footer,
        closing=_("Kind regards"), **values)


def signature_note(employee: User) -> str:
    """What the letter form says is printed after the text, so no one writes it twice."""
    with force_locale(tenant_language()):
        closing = _("Kind regards")
    return _("The closing “%(closing)s” and the signature (%(name)s) are printed below "
             "the text: do not write them.", closing=closing,
             name=employee.full_name or employee.email)
