"""Files attached to contacts, organisations, cases and activities (D6).

The bytes live in the app's file store (services.storage: local disk or S3-compatible
object storage, in the tenant's "attachments" folder, with random names), the rest in
:class:`~app.models.Attachment` rows. Store and database are kept in step by session
events: a stored file whose row is rolled back is removed again, and a deleted row's
file is removed only once the deletion is committed — also when the row goes because
its contact, organisation, case or activity is deleted.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any, TypeGuard

from flask import current_app
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session, joinedload, scoped_session
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models import Activity, Attachment, Case, Contact, Organisation, User
from app.models.activity import EMAIL, activity_contact
from app.services import storage
from app.services.errors import ServiceError
from app.tenancy import current_tenant_id

KIND = "attachments"  # the folder of the tenant's files (services.storage)
Owner = Contact | Organisation | Case | Activity  # what attachments belong to
AnySession = Session | scoped_session[Any]  # a session, or Flask-SQLAlchemy's proxy of one
OWNERS: dict[str, type[Owner]] = {
    "contact": Contact, "organisation": Organisation, "case": Case, "activity": Activity}
FALLBACK_TYPE = "application/octet-stream"
MAX_NAME_LENGTH = 150
FALLBACK_NAME = "file"
CHUNK = 64 * 1024

log = logging.getLogger(__name__)


# -- names and types ---------------------------------------------------------------

UNSAFE_CHARACTERS = re.compile(r"[^\w .,()+\-]")  # \w keeps æ, ø, å, ą, ł, ź … readable
WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                   *(f"LPT{i}" for i in range(1, 10))}
COMPRESSED_TYPES = {"gzip": "application/gzip", "bzip2": "application/x-bzip2",
                    "xz": "application/x-xz", "br": "application/x-brotli",
                    "compress": "application/x-compress"}


def sanitise_filename(name: str | None) -> str:
    """A name safe to store and to offer for download: the last part of any path (either
    separator), no control characters, no leading dots, no device names, at most
    MAX_NAME_LENGTH characters with the extension kept; letters of every language stay."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    text = UNSAFE_CHARACTERS.sub("_", text)
    text = re.sub(r" {2,}", " ", text).strip(" .")
    if text.split(".")[0].upper() in WINDOWS_DEVICES:
        text = f"_{text}"
    return _shortened(text) or FALLBACK_NAME


def _shortened(text: str) -> str:
    if len(text) <= MAX_NAME_LENGTH:
        return text
    stem, dot, extension = text.rpartition(".")
    if not dot or len(extension) > 10:
        return text[:MAX_NAME_LENGTH].rstrip(" .")
    return stem[:MAX_NAME_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension


def content_type_for(filename: str) -> str:
    """The type the (sanitised) name stands for; what the browser claimed is ignored."""
    guessed, encoding = mimetypes.guess_type(filename, strict=False)
    if encoding:  # "x.tar.gz" is a gzip file, whatever is inside
        return COMPRESSED_TYPES.get(encoding, FALLBACK_TYPE)
    return guessed if guessed and len(guessed) <= 100 else FALLBACK_TYPE


# Letters that Unicode does not decompose into a base letter plus an accent.
ASCII_LETTERS = str.maketrans({"Æ": "AE", "æ": "ae", "Ø": "O", "ø": "o", "Ł": "L", "ł": "l",
                               "Đ": "D", "đ": "d", "ß": "ss", "Œ": "OE", "œ": "oe"})


def ascii_filename(filename: str) -> str:
    """A plain-ASCII stand-in for old clients that ignore RFC 5987's filename*:
    "Ærø Łódź.pdf" becomes "AEro Lodz.pdf"."""
    text = unicodedata.normalize("NFKD", filename.translate(ASCII_LETTERS))
    text = text.encode("ascii", "ignore").decode("ascii")
    stem, dot, extension = text.rpartition(".")
    if dot and not stem.strip(" ._"):
        return f"{FALLBACK_NAME}.{extension}"
    return text.strip(" ._") or FALLBACK_NAME


# -- owners ------------------------------------------------------------------------

def owner_of(kind: str, owner_id: int | None):
    """The current tenant's contact / organisation / case / activity, or None."""
    model = OWNERS.get(kind)
    if model is None or owner_id is None:
        return None
    return db.session.get(model, owner_id)


def kind_of(owner: object) -> str | None:
    return next((kind for kind, model in OWNERS.items() if isinstance(owner, model)), None)


def _is_owner(record: object) -> TypeGuard[Owner]:
    return kind_of(record) is not None


def owner_key(attachment: Attachment) -> tuple[str, int]:
    """(kind, id) of what the attachment is on."""
    for kind in OWNERS:
        owner_id = getattr(attachment, f"{kind}_id")
        if owner_id is not None:
            return kind, owner_id
    raise ValueError("an attachment belongs to one owner")


# -- adding, reading, deleting -----------------------------------------------------

def add(owner, upload: FileStorage | None, user: User | None,
        field: str = "file") -> Attachment:
    """Store an uploaded file on the owner; the caller commits. Raises ServiceError for
    no file, an empty one or one over ATTACHMENT_MAX_BYTES."""
    if upload is None or not upload.filename:
        raise ServiceError(_l("Choose a file to upload."), field=field)
    filename = sanitise_filename(upload.filename)
    with _bounded_copy(upload.stream, field) as (spool, size):
        if size == 0:
            raise ServiceError(_l("The file %(name)s is empty.", name=filename), field=field)
        # neutral suffix: nothing stored is executable, whatever the upload was called
        stored_name, tenant_id = storage.new_name(".bin"), current_tenant_id()
        storage.save(KIND, stored_name, spool, tenant_id)
    _unless_committed(db.session, lambda: storage.delete(KIND, stored_name, tenant_id))
    attachment = Attachment(filename=filename, stored_name=stored_name, size=size,
                            content_type=content_type_for(filename), uploaded_by=user)
    kind = kind_of(owner)
    if kind is None:
        raise TypeError(f"{type(owner).__name__} records take no attachments")
    setattr(attachment, kind, owner)
    db.session.add(attachment)
    return attachment


@contextmanager
def _bounded_copy(stream: IO[bytes], field: str) -> Iterator[tuple[IO[bytes], int]]:
    """The stream copied to a temporary spool (memory, then disk), refused as soon as it
    passes ATTACHMENT_MAX_BYTES, so a large upload is never read whole into memory."""
    limit, size = current_app.config["ATTACHMENT_MAX_BYTES"], 0
    with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as spool:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise ServiceError(too_large_message(limit), field=field)
            spool.write(chunk)
        spool.seek(0)
        yield spool, size


def too_large_message(limit: int):
    return _l("The file is larger than %(size)s MB.",
              size=format_decimal(limit / 1024 / 1024, "#,##0.#"))


def open_file(attachment: Attachment) -> IO[bytes]:
    """The attachment's bytes; FileNotFoundError when the file is gone."""
    return storage.open(KIND, attachment.stored_name, attachment.tenant_id)


def read_bytes(attachment: Attachment) -> bytes:
    with open_file(attachment) as stream:
        return stream.read()


def may_delete(attachment: Attachment, user: User) -> bool:
    """The uploader or an administrator."""
    return bool(user.is_admin or (attachment.uploaded_by_id is not None
                                  and attachment.uploaded_by_id == user.id))


def delete(attachment: Attachment) -> None:
    """Delete the row; its file goes when the deletion is committed."""
    _delete(db.session, attachment)


def _delete(session: AnySession, attachment: Attachment) -> None:
    stored_name, tenant_id = attachment.stored_name, attachment.tenant_id
    session.delete(attachment)
    _after_commit(session, lambda: storage.delete(KIND, stored_name, tenant_id))


# -- lists -------------------------------------------------------------------------

def files_of(*, contact_id: int | None = None, organisation_id: int | None = None,
             case_id: int | None = None, activity_id: int | None = None) -> list[Attachment]:
    """One owner's files, newest first, in one query. A contact's include the files of
    the e-mails the contact takes part in."""
    given = {k: v for k, v in (("contact", contact_id), ("organisation", organisation_id),
                               ("case", case_id), ("activity", activity_id)) if v is not None}
    if len(given) != 1:
        raise ValueError("files_of needs exactly one owner")
    [(kind, owner_id)] = given.items()
    condition = getattr(Attachment, f"{kind}_id") == owner_id
    if kind == "contact":
        emails = (select(activity_contact.c.activity_id)
                  .join(Activity, Activity.id == activity_contact.c.activity_id)
                  .where(activity_contact.c.contact_id == owner_id, Activity.kind == EMAIL))
        condition = or_(condition, Attachment.activity_id.in_(emails))
    query = (select(Attachment).where(condition)
             .options(joinedload(Attachment.uploaded_by),
                      joinedload(Attachment.activity).selectinload(Activity.contacts))
             .order_by(Attachment.created_at.desc(), Attachment.id.desc()))
    return list(db.session.scalars(query))


# -- keeping the store and the database in step -----------------------------------

UNLESS_COMMITTED = "attachments_unless_committed"  # new files, removed on rollback
AFTER_COMMIT = "attachments_after_commit"  # files of deleted rows, removed on commit


def _unless_committed(session: AnySession, action: Callable[[], None]) -> None:
    session.info.setdefault(UNLESS_COMMITTED, []).append(action)


def _after_commit(session: AnySession, action: Callable[[], None]) -> None:
    session.info.setdefault(AFTER_COMMIT, []).append(action)


def _run(actions: list[Callable[[], None]]) -> None:
    for action in actions:
        try:
            action()
        except OSError:  # the database is right already; a stray file is only logged
            log.warning("could not remove an attachment file", exc_info=True)


def _on_commit(session: Session) -> None:
    session.info.pop(UNLESS_COMMITTED, None)
    _run(session.info.pop(AFTER_COMMIT, []))


def _on_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is not None:  # a savepoint: the outer transaction decides
        return
    session.info.pop(AFTER_COMMIT, None)  # not committed: the files stay
    _run(session.info.pop(UNLESS_COMMITTED, []))


def _delete_with_owners(session: Session, _flush_context, _instances) -> None:
    """Attachments go with their owner through the ORM (SQLite does not cascade, and
    the files must go too)."""
    owners = [obj for obj in session.deleted if _is_owner(obj)]
    conditions = [getattr(Attachment, f"{kind_of(o)}_id") == o.id for o in owners if o.id]
    if not conditions:
        return
    for attachment in session.scalars(select(Attachment).where(or_(*conditions))):
        if attachment not in session.deleted:
            _delete(session, attachment)


def install(session_class: type[Session] = Session) -> None:
    """Attach the events to every session (idempotent)."""
    if not event.contains(session_class, "after_commit", _on_commit):
        event.listen(session_class, "after_commit", _on_commit)
        event.listen(session_class, "after_transaction_end", _on_transaction_end)
        event.listen(session_class, "before_flush", _delete_with_owners)
