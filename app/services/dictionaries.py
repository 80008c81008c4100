"""Dictionaries (A6): the tenant's lists of activity kinds, priorities, categories and
task statuses. A new tenant gets sensible entries in all four languages; entries are
data of the tenant (labels per language), not texts of the program. Administrators add,
relabel, reorder, deactivate and delete entries; a dictionary always keeps something
to choose."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.i18n import current_language
from app.models import Activity, DictionaryEntry
from app.models.activity import KINDS
from app.models.dictionary import (
    ACTIVITY_CATEGORY,
    ACTIVITY_KIND,
    CASE_CATEGORY,
    DICTIONARIES,
    PRIORITY,
    TASK_STATUS,
)
from app.services import records, references
from app.services.errors import ServiceError
from app.services.labels import clean_labels, key_from
from app.services.ordering import move_in

# The task status that means "done" (others, e.g. cancelled, also end a task).
TASK_DONE_KEY = "done"

def _entry(key: str, en: str, da: str, sv: str, pl: str, done: bool = False) -> dict:
    return {"key": key, "labels": {"en": en, "da": da, "sv": sv, "pl": pl}, "is_done": done}


SEED: dict[str, list[dict]] = {
    ACTIVITY_KIND: [
        _entry("note", "Note", "Notat", "Anteckning", "Notatka"),
        _entry("meeting", "Meeting", "Møde", "Möte", "Spotkanie"),
        _entry("email", "E-mail", "E-mail", "E-post", "E-mail"),
        _entry("call", "Phone call", "Opkald", "Samtal", "Rozmowa telefoniczna"),
        _entry("letter", "Letter", "Brev", "Brev", "List"),
    ],
    PRIORITY: [
        _entry("high", "High", "Høj", "Hög", "Wysoki"),
        _entry("normal", "Normal", "Normal", "Normal", "Normalny"),
        _entry("low", "Low", "Lav", "Låg", "Niski"),
    ],
    ACTIVITY_CATEGORY: [
        _entry("sales", "Sales", "Salg", "Försäljning", "Sprzedaż"),
        _entry("service", "Customer service", "Kundeservice", "Kundtjänst", "Obsługa klienta"),
        _entry("administration", "Administration", "Administration", "Administration",
               "Administracja"),
    ],
    TASK_STATUS: [
        _entry("new", "New", "Ny", "Ny", "Nowe"),
        _entry("in_progress", "In progress", "I gang", "Pågår", "W toku"),
        _entry("waiting", "Waiting", "Afventer", "Väntar", "Oczekuje"),
        _entry(TASK_DONE_KEY, "Done", "Udført", "Klar", "Zakończone", done=True),
        _entry("cancelled", "Cancelled", "Annulleret", "Avbruten", "Anulowane", done=True),
    ],
    CASE_CATEGORY: [
        _entry("enquiry", "Enquiry", "Henvendelse", "Förfrågan", "Zapytanie"),
        _entry("complaint", "Complaint", "Reklamation", "Reklamation", "Reklamacja"),
        _entry("order", "Order", "Ordre", "Order", "Zamówienie"),
        _entry("support", "Support", "Support", "Support", "Wsparcie"),
    ],
}


def seed_defaults() -> None:
    """Give the current tenant the default entries of every dictionary it lacks."""
    present = set(db.session.scalars(select(DictionaryEntry.dictionary).distinct()))
    for dictionary in DICTIONARIES:
        if dictionary in present:
            continue
        for position, values in enumerate(SEED[dictionary], start=1):
            # the program's activity kinds behave as themselves
            behaviour = values["key"] if dictionary == ACTIVITY_KIND else None
            db.session.add(DictionaryEntry(dictionary=dictionary, position=position,
                                           behaviour=behaviour, **values))
    db.session.flush()


def entries(dictionary: str, *, include: DictionaryEntry | int | None = None,
            active_only: bool = True) -> list[DictionaryEntry]:
    """The dictionary's entries in order; ``include`` keeps an inactive entry a record
    still holds among the choices."""
    query = select(DictionaryEntry).where(DictionaryEntry.dictionary == dictionary)
    include_id = include.id if isinstance(include, DictionaryEntry) else include
    if active_only:
        query = query.where(DictionaryEntry.active.is_(True) | (DictionaryEntry.id == include_id))
    return list(db.session.scalars(query.order_by(DictionaryEntry.position,
                                                  DictionaryEntry.id)))


def choices(dictionary: str, include: DictionaryEntry | int | None = None
            ) -> list[tuple[str, str]]:
    """(id, label in the current language) pairs for a form or filter."""
    lang = current_language()
    return [(str(e.id), e.label(lang)) for e in entries(dictionary, include=include)]


def by_key(dictionary: str, key: str) -> DictionaryEntry | None:
    return db.session.scalar(select(DictionaryEntry).where(
        DictionaryEntry.dictionary == dictionary, DictionaryEntry.key == key))


def default_entry(dictionary: str) -> DictionaryEntry | None:
    """The first active entry (e.g. the status a new task starts in)."""
    found = entries(dictionary)
    return found[0] if found else None


def check_entry(entry: DictionaryEntry | None, dictionary: str, field: str) -> None:
    """A record's choice must come from the right dictionary (a posted id could name
    an entry of another one)."""
    if entry is not None and entry.dictionary != dictionary:
        raise ServiceError(_l("Not a valid choice."), field=field)


def next_position(dictionary: str) -> int:
    last = db.session.scalar(select(func.max(DictionaryEntry.position))
                             .where(DictionaryEntry.dictionary == dictionary))
    return (last or 0) + 1


# --- the administrator's changes (A6) -----------------------------------------------

def _check_dictionary(dictionary: str) -> None:
    if dictionary not in DICTIONARIES:
        raise ServiceError(_l("Unknown dictionary."))


def create_entry(dictionary: str, labels: dict[str, str], is_done: bool = False,
                 behaviour: str | None = None) -> DictionaryEntry:
    """A new active entry at the end of the dictionary, its key made from its label; a
    new activity kind says how its activities behave (one of the program's kinds)."""
    _check_dictionary(dictionary)
    cleaned = clean_labels(labels)
    taken = set(db.session.scalars(select(DictionaryEntry.key)
                                   .where(DictionaryEntry.dictionary == dictionary)))
    entry = DictionaryEntry(dictionary=dictionary, labels=cleaned,
                            key=key_from(cleaned, taken),
                            position=next_position(dictionary), active=True,
                            is_done=is_done and dictionary == TASK_STATUS)
    if dictionary == ACTIVITY_KIND:
        _set_behaviour(entry, behaviour)
    db.session.add(entry)
    return entry


def update_entry(entry: DictionaryEntry, labels: dict[str, str],
                 is_done: bool | None = None, behaviour: str | None = None) -> None:
    """New labels (the key never changes) and, for a task status, whether it is done;
    for an activity kind of the tenant's own, its behaviour."""
    entry.labels = clean_labels(labels)
    if is_done is not None and entry.dictionary == TASK_STATUS:
        entry.is_done = is_done
    if behaviour is not None and entry.dictionary == ACTIVITY_KIND:
        _set_behaviour(entry, behaviour)
    _ensure_usable(entry.dictionary)


def _set_behaviour(entry: DictionaryEntry, behaviour: str | None) -> None:
    """The program's kinds behave as themselves; an own kind as one of them, fixed once
    activities have it (they were saved with that behaviour's fields)."""
    if entry.key in KINDS:
        entry.behaviour = entry.key
        return
    if behaviour not in KINDS:
        raise ServiceError(_l("Choose how activities of this kind behave."),
                           field="behaviour")
    if entry.behaviour not in (None, behaviour) and db.session.scalar(
            select(Activity.id).where(Activity.kind_key == entry.key).limit(1)):
        raise ServiceError(_l("Activities of this kind exist: its behaviour can no longer "
                              "change."), field="behaviour")
    entry.behaviour = behaviour


def move(entry: DictionaryEntry, step: int) -> None:
    """One place up (-1) or down (+1); positions are renumbered 1, 2, 3 …"""
    move_in(entries(entry.dictionary, active_only=False), entry, step)


def set_active(entry: DictionaryEntry, active: bool) -> None:
    """An inactive entry is no longer offered for new choices; records keep it."""
    entry.active = active
    _ensure_usable(entry.dictionary)


def delete_entry(entry: DictionaryEntry) -> None:
    """Only an entry no record uses; otherwise deactivating it is the way."""
    listing = references.uses(entry)
    if listing:
        raise ServiceError(_l("%(entry)s cannot be deleted: it is used by %(uses)s. "
                              "Deactivate it instead: those records keep it, and it is no "
                              "longer offered.", entry=str(entry), uses=listing))
    _ensure_usable(entry.dictionary, without=entry)
    name = str(entry)
    try:  # the database's own check, for a use no area has registered in references
        with db.session.begin_nested():
            db.session.delete(entry)
    except IntegrityError:
        raise ServiceError(_l("%(entry)s cannot be deleted: records use it. Deactivate it "
                              "instead.", entry=name)) from None


def _ensure_usable(dictionary: str, without: DictionaryEntry | None = None) -> None:
    """A dictionary keeps an active entry to choose; task statuses keep an open one
    (for new tasks) and a done one (to close tasks)."""
    with db.session.no_autoflush:  # the session's entries carry the pending change
        active = [e for e in entries(dictionary, active_only=False)
                  if e.active and e is not without]
    if not active:
        raise ServiceError(_l("A dictionary must keep at least one active entry."))
    if dictionary != TASK_STATUS:
        return
    if not any(not e.is_done for e in active):
        raise ServiceError(_l("Task statuses must keep at least one active status that is "
                              "not done."), field="is_done")
    if not any(e.is_done for e in active):
        raise ServiceError(_l("Task statuses must keep at least one active status that is "
                              "done."), field="is_done")


# Read through the API by every member (the choices of tasks, cases and activities);
# written on the administrators' screen only.
DICTIONARY_ENTRY = records.Kind(model=DictionaryEntry, edit_right=records.ADMINS)
