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

from flask import current_app
from werkzeug.datastructures import FileStorage

from app.tenancy import current_tenant_id

KIND = "imports"
TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _folder() -> Path:
    """The current tenant's scratch folder for import files (read as local files)."""
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise FileNotFoundError(KIND)
    return Path(current_app.config["UPLOAD_FOLDER"]) / f"tenant-{tenant_id}" / KIND


def _existing(name: str) -> Path | None:
    path = _folder() / name
    return path if path.is_file() else None


def keep(upload: FileStorage, plan: dict[str, Any]) -> str:
    """Store the upload (streamed to disk) with its plan; the token naming them."""
    token = uuid.uuid4().hex
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    upload.save(folder / f"{token}.dat")
    save_plan(token, plan)
    return token


def file_path(token: str) -> Path | None:
    """The upload of that token in the current tenant's folder, or None."""
    return _existing(f"{token}.dat") if TOKEN.match(token or "") else None


def plan(token: str) -> dict[str, Any]:
    path = _existing(f"{token}_plan.json") if TOKEN.match(token or "") else None
    return json.loads(path.read_text("utf-8")) if path is not None else {}


def save_plan(token: str, values: dict[str, Any]) -> None:
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{token}_plan.json").write_text(json.dumps(values), "utf-8")


def errors_path(token: str) -> Path:
    """Where the import of that token writes its error file."""
    return _folder() / f"{token}_errors.csv"


def error_file(token: str) -> Path | None:
    return _existing(f"{token}_errors.csv") if TOKEN.match(token or "") else None
