"""Uploaded files on disk, one folder per tenant and kind of file. Stored names are
random and generated here, so a name from a request can never reach another tenant's
folder or leave the upload folder."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from flask import current_app

from app.tenancy import current_tenant_id

STORED_NAME = re.compile(r"^[0-9a-f]{32}(?:_[a-z]+)?\.[a-z0-9]{1,5}$")


def tenant_folder(kind: str, tenant_id: int | None = None) -> Path:
    """A tenant's folder for one kind of file (photos, attachments …): the current
    tenant's unless a record's own tenant is given."""
    tenant_id = tenant_id if tenant_id is not None else current_tenant_id()
    if tenant_id is None:
        raise RuntimeError("files belong to a tenant; none is current")
    return Path(current_app.config["UPLOAD_FOLDER"]) / f"tenant-{tenant_id}" / kind


def new_name(suffix: str) -> str:
    return f"{uuid.uuid4().hex}{suffix}"


def save(kind: str, name: str, data: bytes) -> None:
    if not STORED_NAME.match(name):
        raise ValueError(f"not a stored file name: {name!r}")
    folder = tenant_folder(kind)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def path_of(kind: str, name: str | None) -> Path | None:
    """The current tenant's file of that name, or None."""
    if not name or not STORED_NAME.match(name):
        return None
    path = tenant_folder(kind) / name
    return path if path.is_file() else None


def delete(kind: str, name: str | None) -> None:
    path = path_of(kind, name)
    if path is not None:
        path.unlink(missing_ok=True)
