"""Running an import: the file read row by row in batches of 1,000, each row checked,
matched and written with a few statements per batch, progress reported after each.

``run_import`` is a plain function: the CLI calls it with a progress bar, the web (or a
background job) with its own progress callback, tests with none. It never commits: in
mode ``all`` it raises :class:`ImportRefused` when any row was refused, so the caller's
``commit_or_refuse`` rolls the whole import back; in mode ``good-rows`` the caller
commits what was imported. Refused rows are reported with their line numbers and
reasons, and written to the error file (their cells plus a reason column)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any

from flask_babel import lazy_ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Contact, Employment, Organisation, User
from app.models.contact import KIND_COMPANY, KIND_PRIVATE
from app.services import counters
from app.services.contacts import contacts, organisations, photos
from app.services.errors import FieldErrors, ServiceError
from app.services.imports import matching, writing
from app.services.imports.errorfile import ErrorFile
from app.services.imports.mapping import CONTACTS, fields
from app.services.imports.reading import Row, Source
from app.services.imports.rows import Reader, Record
from app.services.settings import home_country, setting, tenant_held

BATCH = 1000
MODE_ALL, MODE_GOOD_ROWS = "all", "good-rows"
MODES = (MODE_GOOD_ROWS, MODE_ALL)
ON_MATCH_SKIP, ON_MATCH_UPDATE = "skip", "update"
ON_MATCH = (ON_MATCH_SKIP, ON_MATCH_UPDATE)
ERRORS_KEPT = 500  # refusals kept for the screen; the error file holds every one

Progress = Callable[[int, int], None]


@dataclass
class ImportPlan:
    kind: str
    source: Source
    columns: list[str]
    mode: str = MODE_GOOD_ROWS
    on_match: str = ON_MATCH_SKIP
    errors_path: Path | None = None  # where to write the error file, if anywhere


@dataclass
class RowError:
    line: int
    reasons: list[str]


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    refused: int = 0
    organisations_created: int = 0
    rolled_back: bool = False  # mode all with refused rows: nothing was kept
    errors: list[RowError] = field(default_factory=list)
    error_file: Path | None = None

    @property
    def imported(self) -> int:
        return self.created + self.updated

    def summary(self) -> dict[str, int]:
        return {"total": self.total, "created": self.created, "updated": self.updated,
                "skipped": self.skipped, "refused": self.refused,
                "organisations_created": self.organisations_created}


class ImportRefused(ServiceError):
    """Mode ``all`` with refused rows: nothing may be kept; the result says why."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__(lazy_ngettext("Nothing was imported: %(num)d row was refused.",
                                       "Nothing was imported: %(num)d rows were refused.",
                                       result.refused))
        self.result = result


def run_import(plan: ImportPlan, user: User, report: Progress | None = None) -> ImportResult:
    """Import the plan's file as ``user``; see the module's description."""
    report = report or (lambda done, total: None)
    result = ImportResult(total=plan.source.count())
    report(0, result.total)
    with ErrorFile(plan.errors_path, plan.source) as error_file, tenant_held(), \
            _collector_spared():
        run = _Run(plan, user, result, error_file, writing.Writer())
        done = 0
        for batch in _batches(plan.source.rows()):
            run.batch(batch)
            done += len(batch)
            report(done, result.total)
    result.error_file = plan.errors_path if result.refused else None
    if plan.mode == MODE_ALL and result.refused:
        result.created = result.updated = result.organisations_created = 0
        result.rolled_back = True
        raise ImportRefused(result)
    return result


class _CollectorSpared:
    """Python's garbage collector eased while imports run: the objects the process
    already holds (the app, SQLAlchemy's and the libraries': some 280,000) frozen out
    of the full collections, and young collections run every 20,000 new objects, not
    700. An import makes many objects that live a while (a batch's records, the file's
    keys): every few thousand of them started a full collection that walked every
    object of the process (measured: a third of the import's time), and the young
    collections took another ~4 µs per row (~1 µs after). Both settings are the
    process's: the first import in sets them, the last one out puts them back (the
    frozen objects handed back to the collector, unless the process had frozen objects
    itself, as a pre-forking server may: then they stay frozen, as its own)."""

    YOUNG = 20_000

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.threshold = gc.get_threshold()
        self.unfreeze = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self.lock:
            if not self.running:
                self.threshold = gc.get_threshold()
                self.unfreeze = not gc.get_freeze_count()
                gc.freeze()
                gc.set_threshold(max(self.YOUNG, self.threshold[0]), *self.threshold[1:])
            self.running += 1
        try:
            yield
        finally:
            with self.lock:
                self.running -= 1
                if not self.running:
                    gc.set_threshold(*self.threshold)
                    if self.unfreeze:
                        gc.unfreeze()


_collector_spared = _CollectorSpared()


def _batches(rows: Iterator[Row]) -> Iterator[list[Row]]:
    while batch := list(islice(rows, BATCH)):
        yield batch


class _Run:
    """One import under way: the file's keys so far, organisations found or made."""

    def __init__(self, plan: ImportPlan, user: User, result: ImportResult,
                 error_file: ErrorFile, writer: writing.Writer) -> None:
        self.plan, self.user, self.result, self.error_file = plan, user, result, error_file
        self.writer = writer
        self.reader = Reader(plan.kind, plan.columns)
        self.keys = matching.FileKeys()
        self.labels = {f.key: str(f.label) for f in fields(plan.kind)}
        self.employers: dict[str, int] = {}  # by matching.employer_key: found or made
        self.found_employers: dict[str, int] = {}  # those the tenant had before
        # Rows are matched against the records the tenant had before the import (its
        # own earlier rows are refused as repeats by self.keys): none, no queries.
        self.had_contacts = plan.kind == CONTACTS and matching.any_contacts()
        self.private_id: int | None = None
        self.numbered = bool(setting("unique_contact_id"))
        self.home = home_country()

    def batch(self, rows: list[Row]) -> None:
        records = [record for row in rows if (record := self._read(row)) is not None]
        if self.plan.kind == CONTACTS:
            self._contacts(records)
        else:
            self._organisations(records)

    def _read(self, row: Row) -> Record | None:
        keys = matching.contact_keys if self.plan.kind == CONTACTS \
            else matching.organisation_keys
        try:
            record = self.reader.read(row.line, row.cells)
            self.keys.claim(record, keys(record))
        except ServiceError as exc:
            self.refuse(row.line, row.cells, exc)
            return None
        return record

    def refuse(self, line: int, cells: list[Any], exc: ServiceError) -> None:
        errors = exc.errors if isinstance(exc, FieldErrors) else {exc.field or "": exc.message}
        reasons = [f"{self.labels[name]}: {message}" if name in self.labels else str(message)
                   for name, message in errors.items()]
        self.result.refused += 1
        if len(self.result.errors) < ERRORS_KEPT:
            self.result.errors.append(RowError(line, reasons))
        self.error_file.write(line, cells, reasons)

    # --- contacts ------------------------------------------------------------------

    def _contacts(self, records: list[Record]) -> None:
        self._find_employers(records)
        existing = matching.existing_contacts(records, self.found_employers) \
            if self.had_contacts else {}
        self._matched(records, existing, Contact, self._update_contact)
        self._create_contacts([r for r in records if r.line not in existing])

    def _find_employers(self, records: list[Record]) -> None:
        """Each organisation the batch names, found by registration number or name, or
        created (with its history entry) — one query and one insert per batch."""
        wanted = {matching.employer_key(r.employer): r.employer for r in records
                  if r.employer is not None}
        missing = [key for key in wanted if key not in self.employers]
        found = matching.find_organisations(missing)
        self.employers.update(found)
        self.found_employers.update(found)
        new = [key for key in missing if key not in self.employers]
        blank = (None,) * (len(writing.ORGANISATION_VALUES) - 3)
        rows: list[tuple[Any, ...]] = [
            (wanted[key].name, number, self.home if number else None, *blank, {}, False)
            for key in new for number in [wanted[key].registration_number]]
        ids = self.writer.organisations_created(rows, self.user.id)
        self.employers.update(zip(new, ids, strict=True))
        self.result.organisations_created += len(ids)

    def _employer_id(self, record: Record) -> int | None:
        if record.employer is None:
            return None
        return self.employers[matching.employer_key(record.employer)]

    def _private_customers_id(self) -> int:
        if self.private_id is None:
            organisation = organisations.private_customers()
            db.session.flush()
            self.private_id = organisation.id
        return self.private_id

    def _create_contacts(self, records: list[Record]) -> None:
        if not records:
            return
        unnumbered = [r for r in records if r.values["customer_number"] is None]
        if self.numbered and unnumbered:
            numbers = counters.reserve(contacts.CUSTOMER_NUMBER_SEQUENCE, len(unnumbered))
            for record, number in zip(unnumbered, numbers, strict=True):
                record.values["customer_number"] = number
        rows: list[tuple[Any, ...]] = []
        employments: list[list[Any]] = []
        user_id = self.user.id
        for record in records:
            employer_id = self._employer_id(record)
            organisation_id = employer_id or self._private_customers_id()
            rows.append((*_CONTACT_VALUES(record.values),
                         KIND_COMPANY if employer_id else KIND_PRIVATE, organisation_id,
                         record.custom, user_id,
                         None if record.photo is None else photos.store(record.photo)))
            employments.append([None, organisation_id,
                                record.values["job_title"] if employer_id else None, True])
        ids = self.writer.contacts_created(rows, employments, user_id)
        self.result.created += len(ids)

    def _matched(self, records: list[Record], existing: dict[int, int], model,
                 change: Callable[[Any, Record], None]) -> None:
        """Rows naming existing records: skipped, or each updated through the ORM (and
        the history) in a savepoint of its own, so a refused update leaves no trace."""
        matched = [r for r in records if r.line in existing]
        if not matched:
            return
        if self.plan.on_match == ON_MATCH_SKIP:
            self.result.skipped += len(matched)
            return
        query = select(model).where(model.id.in_({existing[r.line] for r in matched}))
        if model is Contact:
            query = query.options(selectinload(Contact.employments))
        loaded = {record.id: record for record in db.session.scalars(query)}
        for record in matched:
            try:
                with db.session.begin_nested():
                    change(loaded[existing[record.line]], record)
                    db.session.flush()
            except ServiceError as exc:
                self.refuse(record.line, record.cells, exc)
                continue
            self.result.updated += 1

    def _update_contact(self, contact: Contact, record: Record) -> None:
        """The row's non-empty values over the contact's; a new current employment at
        the row's organisation when the person does not work there now."""
        _assign(contact, record)
        employer_id = self._employer_id(record)
        if employer_id is not None and not any(
                e.organisation_id == employer_id and e.is_current for e in contact.employments):
            contact.employments.append(Employment(
                organisation=db.session.get(Organisation, employer_id),
                title=record.values["job_title"]))
            if contact.kind == KIND_PRIVATE:
                contact.kind = KIND_COMPANY
        contacts.prepare(contact, is_new=False)
        if record.photo is not None:
            contact.photo = photos.store(record.photo)

    # --- organisations ---------------------------------------------------------------

    def _organisations(self, records: list[Record]) -> None:
        existing = matching.existing_organisations(records)
        self._matched(records, existing, Organisation, self._update_organisation)
        new = [r for r in records if r.line not in existing]
        rows = [(*_ORGANISATION_VALUES(r.values), r.custom, False) for r in new]
        ids = self.writer.organisations_created(rows, self.user.id)
        self.result.created += len(ids)

    def _update_organisation(self, organisation: Organisation, record: Record) -> None:
        _assign(organisation, record)
        organisations.prepare(organisation)


_CONTACT_VALUES = itemgetter(*writing.CONTACT_VALUES)
_ORGANISATION_VALUES = itemgetter(*writing.ORGANISATION_VALUES)


def _assign(target: Contact | Organisation, record: Record) -> None:
    for key, value in record.values.items():
        if value is not None and value != "":
            setattr(target, key, value)
    given = {key: value for key, value in record.custom.items() if value is not None}
    if given:
        target.custom = {**(target.custom or {}), **given}
