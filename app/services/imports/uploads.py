"""An uploaded import file kept between the steps of the import screen (map, preview,
import, result) in the tenant's own storage folder, named by an opaque token: a request
names the token, never a path, and a token finds only the current tenant's files.

Beside the file: its plan (kind, original name, mapping, the result once imported) as
JSON, and the error file."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from werkzeug.datastructures import FileStorage

from app.services import storage

KIND = "imports"
TOKEN = re.compile(r"^[0-9a-f]{32}$")


def keep(upload: FileStorage, plan: dict[str, Any]) -> str:
    """Store the upload (streamed to disk) with its plan; the token naming them."""
    token = uuid.uuid4().hex
    folder = storage.tenant_folder(KIND)
    folder.mkdir(parents=True, exist_ok=True)
    upload.save(folder / f"{token}.dat")
    save_plan(token, plan)
    return token


def file_path(token: str) -> Path | None:
    """The upload of that token in the current tenant's folder, or None."""
    return storage.path_of(KIND, f"{token}.dat") if TOKEN.match(token or "") else None


def plan(token: str) -> dict[str, Any]:
    path = storage.path_of(KIND, f"{token}_plan.json")
    return json.loads(path.read_text("utf-8")) if path is not None else {}


def save_plan(token: str, values: dict[str, Any]) -> None:
    storage.save(KIND, f"{token}_plan.json", json.dumps(values).encode("utf-8"))


def errors_path(token: str) -> Path:
    """Where the import of that token writes its error file."""
    return storage.tenant_folder(KIND) / f"{token}_errors.csv"


def error_file(token: str) -> Path | None:
    return storage.path_of(KIND, f"{token}_errors.csv") if TOKEN.match(token or "") else None
