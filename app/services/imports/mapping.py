"""Which field each column of an import file goes to: the fields a contact or an
organisation takes (the tenant's configurable ones too), guesses from the column
headers that Danish, Swedish, Polish and English files and common exports (Outlook,
Google Contacts, HubSpot, e-conomic) use, and mappings saved per tenant by name."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.i18n import current_language
from app.models import ImportMapping
from app.models.custom_field import FieldDefinition
from app.models.import_mapping import IMPORT_KINDS
from app.services.errors import ServiceError
from app.services.fields import values as custom_fields

CONTACTS, ORGANISATIONS = IMPORT_KINDS
ENTITY = {CONTACTS: "contact", ORGANISATIONS: "organisation"}
IGNORED = ""  # a column not imported


@dataclass(frozen=True)
class Field:
    key: str
    label: object  # a lazy string, or a configurable field's label
    custom: FieldDefinition | None = None


_ADDRESS = (("street", _l("Street")), ("postcode", _l("Postcode")), ("city", _l("City")),
            ("country", _l("Country")))
STANDARD = {
    CONTACTS: (
        ("first_name", _l("First name")), ("last_name", _l("Last name")),
        ("full_name", _l("Full name")), ("email", _l("E-mail")), ("phone", _l("Phone")),
        ("mobile", _l("Mobile")), ("job_title", _l("Job title")),
        ("organisation", _l("Organisation")),
        ("registration_number", _l("Organisation's registration number")),
        ("customer_number", _l("Customer no.")), ("birth_date", _l("Date of birth")),
        ("national_id", _l("Personal ID")), ("national_id_country", _l("Personal ID country")),
        ("website", _l("Website")), *_ADDRESS,
        ("preferred_language", _l("Preferred language")), ("photo", _l("Photo")),
    ),
    ORGANISATIONS: (
        ("name", _l("Name")), ("registration_number", _l("Registration number")),
        ("registration_country", _l("Registration country")), ("phone", _l("Phone")),
        ("email", _l("E-mail")), ("website", _l("Website")), ("industry", _l("Industry")),
        *_ADDRESS, ("notes", _l("Notes")),
    ),
}

# Headers as people and programs write them, folded (see _fold), by field. Shared
# words first; then each kind's own (e-conomic's "Navn" is a customer: an organisation).
_COMMON = {
    "email": ("email", "e-mail", "e-mail address", "email address", "e-mail 1 - value",
              "e-mail adresse", "emailadresse", "mail", "e-post", "epost", "e-postadress",
              "adres e-mail", "poczta e-mail", "e-mail-adresse"),
    "phone": ("phone", "telephone", "phone number", "business phone", "phone 1 - value",
              "telefon", "telefonnummer", "tlf", "tlf.", "tel", "tel.", "numer telefonu",
              "telefon sluzbowy", "arbejdstelefon", "telefon arbete"),
    "website": ("website", "web page", "web site", "website url", "website 1 - value", "url",
                "hjemmeside", "webside", "webbplats", "hemsida", "strona www", "strona",
                "www", "web"),
    "street": ("street", "address", "street address", "business street",
               "address 1 - street", "adresse", "vej", "gade", "adress", "gatuadress",
               "adres", "ulica", "address line 1", "address 1 - formatted"),
    "postcode": ("postcode", "postal code", "zip", "zip code", "business postal code",
                 "address 1 - postal code", "postnr", "postnr.", "postnummer", "post nr",
                 "kod pocztowy", "kod"),
    "city": ("city", "town", "business city", "address 1 - city", "by", "bynavn", "ort",
             "postort", "stad", "miasto", "miejscowosc", "poczta"),
    "country": ("country", "country/region", "business country/region",
                "address 1 - country", "land", "kraj", "landekode", "country code"),
}
_CONTACT = {
    "first_name": ("first name", "firstname", "given name", "fornavn", "fornavne",
                   "fornamn", "imie", "imiona", "forename"),
    "last_name": ("last name", "lastname", "surname", "family name", "efternavn",
                  "efternamn", "nazwisko"),
    "full_name": ("name", "full name", "display name", "contact name", "navn", "fulde navn",
                  "kontaktperson", "namn", "fullstandigt namn", "imie i nazwisko", "nazwa"),
    "mobile": ("mobile", "mobile phone", "mobile phone number", "cell", "cell phone",
               "phone 2 - value", "mobil", "mobilnummer", "mobiltelefon", "mobilnr",
               "telefon komorkowy", "komorka", "tel. kom.", "tel kom"),
    "job_title": ("job title", "title", "position", "organization 1 - title",
                  "organization title", "stilling", "stillingsbetegnelse", "titel",
                  "befattning", "yrkestitel", "stanowisko"),
    "organisation": ("organisation", "organization", "company", "company name",
                     "organization 1 - name", "organization name", "associated company",
                     "firma", "virksomhed", "firmanavn", "foretag", "foretagsnamn",
                     "organisation name", "nazwa firmy", "pracodawca", "employer", "account",
                     "account name"),
    "registration_number": ("cvr", "cvr-nr", "cvr-nr.", "cvr nr", "cvr-nummer",
                            "cvr number", "organisationsnummer", "org.nr", "orgnr",
                            "org nr", "nip", "vat number", "company registration number",
                            "registration number"),
    "customer_number": ("customer number", "customer no", "customer no.", "customer id",
                        "kundenummer", "kundenr", "kundenr.", "kund nr", "kundnummer",
                        "kundnr", "numer klienta", "nr klienta", "id klienta"),
    "birth_date": ("birthday", "birth date", "date of birth", "birthdate", "fodselsdato",
                   "fodselsdag", "fodelsedatum", "fodelsedag", "data urodzenia",
                   "urodziny"),
    "national_id": ("cpr", "cpr-nr", "cpr-nummer", "cpr number", "personnummer",
                    "personal id", "pesel", "national id"),
    "national_id_country": ("personal id country",),
    "preferred_language": ("language", "preferred language", "sprog", "sprak", "jezyk"),
    "photo": ("photo", "picture", "billede", "foto", "bild", "zdjecie"),
}
_ORGANISATION = {
    "name": ("name", "company", "company name", "organisation", "organization", "navn",
             "firma", "firmanavn", "virksomhed", "kundenavn", "namn", "foretag",
             "foretagsnamn", "nazwa", "nazwa firmy", "account name"),
    "registration_number": _CONTACT["registration_number"] + ("se-nr", "se nr"),
    "registration_country": ("registration country",),
    "industry": ("industry", "branche", "bransch", "branza", "sektor"),
    "notes": ("notes", "note", "noter", "bemaerkning", "bemaerkninger", "anteckningar",
              "notatki", "uwagi", "description"),
}
_SYNONYMS = {CONTACTS: {**_COMMON, **_CONTACT}, ORGANISATIONS: {**_COMMON, **_ORGANISATION}}


def _fold(text: str) -> str:
    """Lower case without accents, separators made single spaces: "Fødselsdato" and
    "fodselsdato", "E-mail Address" and "e-mail address" compare equal."""
    text = unicodedata.normalize("NFKD", str(text).replace("ø", "o").replace("Ø", "o")
                                 .replace("æ", "ae").replace("Æ", "ae")
                                 .replace("ł", "l").replace("Ł", "l"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[\s_]+", " ", text).strip()


def fields(kind: str) -> list[Field]:
    """Every field a column of this kind of file may go to, standard then configurable."""
    standard = [Field(key, label) for key, label in STANDARD[kind]]
    language = current_language()
    custom = [Field(f.form_name, f.label(language), f)
              for f in custom_fields.active_fields(ENTITY[kind])]
    return standard + custom


def _headers_by_fold(kind: str) -> dict[str, str]:
    known: dict[str, str] = {}
    for key, words in _SYNONYMS[kind].items():
        for word in words:
            known.setdefault(_fold(word), key)
    for field in fields(kind):
        for text in (field.key, str(field.label)):
            known.setdefault(_fold(text), field.key)
        if field.custom is not None:
            for label in field.custom.labels.values():
                known.setdefault(_fold(label), field.key)
            known.setdefault(_fold(field.custom.key), field.key)
    return known


def guess(kind: str, headers: list[str]) -> list[str]:
    """The field each column most likely holds ("" for none); a field is given to the
    first column that names it only, so "Phone 1" and "Phone 2" do not collide."""
    known = _headers_by_fold(kind)
    taken: set[str] = set()
    guessed = []
    for header in headers:
        key = known.get(_fold(header), IGNORED)
        if key in taken:
            key = IGNORED
        taken.add(key)
        guessed.append(key)
    return guessed


def checked(kind: str, columns: list[str]) -> list[str]:
    """A mapping as posted or saved: unknown fields refused, each field used once."""
    if kind not in IMPORT_KINDS:
        raise ServiceError(_l("Choose what the file holds."), field="kind")
    valid = {field.key for field in fields(kind)}
    used: set[str] = set()
    for column in columns:
        if column == IGNORED:
            continue
        if column not in valid:
            raise ServiceError(_l("Choose one of the listed values."), field="columns")
        if column in used:
            raise ServiceError(_l("Each field can take one column only."), field="columns")
        used.add(column)
    required = {CONTACTS: ("first_name", "last_name", "full_name"),
                ORGANISATIONS: ("name",)}[kind]
    if not used & set(required):
        message = (_l("Choose the column with the names.") if kind == CONTACTS
                   else _l("Choose the column with the organisations' names."))
        raise ServiceError(message, field="columns")
    return columns


# --- saved mappings -------------------------------------------------------------------

def saved(kind: str) -> list[ImportMapping]:
    return list(db.session.scalars(select(ImportMapping).where(ImportMapping.kind == kind)
                                   .order_by(ImportMapping.name)))


def by_name(kind: str, name: str) -> ImportMapping:
    found = db.session.scalars(select(ImportMapping).where(
        ImportMapping.kind == kind, ImportMapping.name == (name or "").strip())).first()
    if found is None:
        raise ServiceError(_l("There is no saved mapping of that name."), field="mapping")
    return found


def save(kind: str, name: str, headers: list[str], columns: list[str]) -> ImportMapping:
    """Keep the mapping under ``name`` (replacing one of that name). The caller commits."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ServiceError(_l("Give the mapping a name of at most 100 characters."),
                           field="mapping_name")
    checked(kind, columns)
    found = db.session.scalars(select(ImportMapping).where(
        ImportMapping.kind == kind, ImportMapping.name == name)).first()
    mapping = found or ImportMapping(kind=kind, name=name)
    mapping.columns = dict(zip(headers, columns, strict=True))
    db.session.add(mapping)
    return mapping


def apply(mapping: ImportMapping, headers: list[str]) -> list[str]:
    """A saved mapping applied to a file's headers by name (so columns may move); a
    column it does not name is guessed."""
    guessed = guess(mapping.kind, headers)
    columns = [mapping.columns.get(header, guessed[i]) for i, header in enumerate(headers)]
    seen: set[str] = set()
    result = []
    for column in columns:  # a guess may repeat a saved column's field: the saved wins
        result.append(IGNORED if column in seen else column)
        seen.add(column)
    return result
