"""An uploaded import file kept between the steps of the import screen (map, preview,
import, result) in the tenant's file store (services.storage, kind ``imports``: a
local folder or S3), named by an opaque token: a request names the token, never a
path, and a token finds only the current tenant's files.

Beside the file: its plan (kind, original name, mapping, the job importing it, the
result once imported) as JSON. A text file (CSV, vCard) is read by streaming it from
the store at each pass; an XLSX file is copied to a local temporary file first, as
openpyxl must seek in it. Files older than JOBS_KEEP_DAYS are removed by
:func:`prune` (with the jobs' result files: app.jobs.prune)."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models import Tenant
from app.services import storage
from app.services.imports import reading
from app.tenancy import all_tenants

KIND = "imports"
TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _name(token: str, part: str = ".dat") -> str:
    if not TOKEN.match(token or ""):
        raise FileNotFoundError(token)
    return f"{token}{part}"


def keep(upload: FileStorage, plan: dict[str, Any]) -> str:
    """Store the upload (streamed to the store) with its plan; the token naming them."""
    token = uuid.uuid4().hex
    storage.save(KIND, _name(token), upload.stream)
    save_plan(token, plan)
    return token


def exists(token: str) -> bool:
    """Whether the current tenant has the upload of that token."""
    return bool(TOKEN.match(token or "")) and storage.exists(KIND, _name(token))


def open_file(token: str) -> IO[bytes]:
    """The upload as a stream (close it); FileNotFoundError when there is none."""
    return storage.open(KIND, _name(token))


@contextmanager
def source(token: str) -> Iterator[reading.Source]:
    """The upload opened for reading (ServiceError when it is no file we read);
    FileNotFoundError when there is none."""
    filename = plan(token).get("filename")
    with open_file(token) as stream:
        start = stream.read(reading.FORMAT_BYTES)
    if reading.format_of(start, filename) != "xlsx":
        yield reading.open_source(lambda: open_file(token), filename)
        return
    with tempfile.TemporaryDirectory(prefix="import-") as folder:
        path = Path(folder) / "upload.xlsx"
        with open_file(token) as stream, path.open("wb") as copy:
            shutil.copyfileobj(stream, copy, storage.CHUNK)
        yield reading.open_source(path, filename)


def plan(token: str) -> dict[str, Any]:
    """The upload's plan; empty when there is none."""
    try:
        data = storage.read(KIND, _name(token, "_plan.json"))
    except FileNotFoundError:
        return {}
    return json.loads(data.decode("utf-8")) if data is not None else {}


def save_plan(token: str, values: dict[str, Any]) -> None:
    storage.save(KIND, _name(token, "_plan.json"), json.dumps(values).encode("utf-8"))


def prune(cutoff: datetime) -> int:
    """Remove every tenant's import files stored before ``cutoff``; how many."""
    with all_tenants():
        tenant_ids = db.session.scalars(select(Tenant.id)).all()
    removed = 0
    for tenant_id in tenant_ids:
        old = [name for name, when in storage.stored(KIND, tenant_id) if when < cutoff]
        for name in old:
            storage.delete(KIND, name, tenant_id)
        removed += len(old)
    return removed
