"""Uploaded and generated files — attachments, contact photos, letterhead logos, job
results — behind one interface, kept on local disk or in S3-compatible object storage
(``ATTACHMENT_STORAGE``: ``local``, ``s3``, or a factory by import path).

Every file lives under its tenant and its kind: ``tenant-<id>/<kind>/<name>``, a folder
under ``UPLOAD_FOLDER`` or a key prefix in ``S3_BUCKET``. Stored names are random and
generated here, so a name from a request can never reach another tenant's files or
leave the store. Reading streams: nothing here reads a whole attachment into memory."""

from __future__ import annotations

import io
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

from flask import current_app
from werkzeug.utils import import_string

from app.tenancy import current_tenant_id

STORED_NAME = re.compile(r"^[0-9a-f]{32}(?:_[a-z]+)?\.[a-z0-9]{1,5}$")
KIND_NAME = re.compile(r"^[a-z][a-z-]{0,30}$")
CHUNK = 64 * 1024
EXTENSION = "file_store"  # app.extensions key: (the settings it was made of, the store)
SETTINGS = ("ATTACHMENT_STORAGE", "UPLOAD_FOLDER", "S3_BUCKET", "S3_ENDPOINT_URL",
            "S3_REGION", "S3_PREFIX", "S3_ADDRESSING_STYLE")

Data = bytes | IO[bytes]


class StorageError(OSError):
    """The store could not be reached or refused; an OSError like a disk's failures."""


class FileStore(Protocol):
    """Bytes by key ("tenant-7/photos/<name>"); keys are made by this module only."""

    def save(self, key: str, data: Data) -> None:
        """Store the bytes (or the stream's, read in chunks) under the key."""

    def open(self, key: str) -> IO[bytes]:
        """The stored bytes as a stream; FileNotFoundError when there are none."""

    def exists(self, key: str) -> bool:
        """Whether bytes are stored under the key."""

    def delete(self, key: str) -> None:
        """Remove the bytes (nothing happens when they are already gone)."""

    def listing(self, folder: str) -> Iterator[tuple[str, datetime]]:
        """The names stored in a folder ("tenant-7/imports"), each with when it was
        stored (UTC)."""
        raise NotImplementedError


class LocalStore:
    """Files in folders under one root folder on this machine's disk."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def save(self, key: str, data: Data) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as target:
            if isinstance(data, bytes):
                target.write(data)
            else:
                shutil.copyfileobj(data, target, CHUNK)

    def open(self, key: str) -> IO[bytes]:
        return (self.root / key).open("rb")

    def exists(self, key: str) -> bool:
        return (self.root / key).is_file()

    def delete(self, key: str) -> None:
        (self.root / key).unlink(missing_ok=True)

    def listing(self, folder: str) -> Iterator[tuple[str, datetime]]:
        path = self.root / folder
        if not path.is_dir():
            return
        for entry in path.iterdir():
            if entry.is_file():
                yield entry.name, datetime.fromtimestamp(entry.stat().st_mtime, UTC)


class S3Store:
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, Hetzner, Scaleway …).
    Credentials come the usual boto3 way: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in
    the environment, a profile, or the machine's role."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client, self.bucket = client, bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""

    @classmethod
    def from_config(cls, config: Any) -> S3Store:
        import boto3  # only deployments on object storage pay for importing it
        from botocore.config import Config

        if not config.get("S3_BUCKET"):
            raise RuntimeError("ATTACHMENT_STORAGE=s3 needs S3_BUCKET")
        endpoint = config.get("S3_ENDPOINT_URL") or None
        # Path-style keys work on every S3-compatible server; AWS itself takes "auto".
        style = config.get("S3_ADDRESSING_STYLE") or ("path" if endpoint else "auto")
        client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint, region_name=config.get("S3_REGION") or None,
            config=Config(s3={"addressing_style": style}, connect_timeout=5,
                          read_timeout=60, retries={"max_attempts": 3, "mode": "standard"}))
        return cls(client, config["S3_BUCKET"], config.get("S3_PREFIX") or "")

    def save(self, key: str, data: Data) -> None:
        stream = io.BytesIO(data) if isinstance(data, bytes) else data
        with _s3_errors():  # upload_fileobj sends large files in parts, never whole
            self.client.upload_fileobj(stream, self.bucket, self.prefix + key)

    def open(self, key: str) -> IO[bytes]:
        with _s3_errors():
            return self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"]

    def exists(self, key: str) -> bool:
        try:
            with _s3_errors():
                self.client.head_object(Bucket=self.bucket, Key=self.prefix + key)
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        with _s3_errors():
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key)

    def listing(self, folder: str) -> Iterator[tuple[str, datetime]]:
        start = f"{self.prefix}{folder.strip('/')}/"
        with _s3_errors():  # a page holds at most 1,000 keys
            for page in self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=start):
                for item in page.get("Contents", ()):
                    name = item["Key"][len(start):]
                    if name and "/" not in name:
                        yield name, item["LastModified"]


@contextmanager
def _s3_errors() -> Iterator[None]:
    """botocore's errors as the OSErrors callers already handle for disks."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in {"NoSuchKey", "404", "NotFound"}:
            raise FileNotFoundError(code) from error
        raise StorageError(f"object storage refused: {code}") from error
    except BotoCoreError as error:
        raise StorageError(f"object storage unreachable: {error}") from error


BACKENDS: dict[str, Callable[[Any], FileStore]] = {
    "local": lambda config: LocalStore(config["UPLOAD_FOLDER"]),
    "s3": S3Store.from_config,
}


def make_store(config: Any) -> FileStore:
    """The store ATTACHMENT_STORAGE names: a backend, or ``pkg.module:factory`` given
    the app's configuration."""
    name = config.get("ATTACHMENT_STORAGE") or "local"
    factory = BACKENDS.get(name)
    if factory is None:
        try:
            factory = import_string(name)
        except ImportError as exc:
            raise RuntimeError(f"unknown ATTACHMENT_STORAGE {name!r}") from exc
    return factory(config)


def store() -> FileStore:
    """The app's store, made once (and again if its settings are changed)."""
    config = current_app.config
    settings = tuple(config.get(name) for name in SETTINGS)
    made = current_app.extensions.get(EXTENSION)
    if made is None or made[0] != settings:
        made = (settings, make_store(config))
        current_app.extensions[EXTENSION] = made
    return made[1]


# --- the interface every caller uses ---------------------------------------------------

def new_name(suffix: str) -> str:
    return f"{uuid.uuid4().hex}{suffix}"


def key_of(kind: str, name: str | None, tenant_id: int | None = None) -> str:
    """The key of a tenant's file (the current tenant's unless a record's own is given);
    FileNotFoundError for a name this module would never have made."""
    tenant_id = tenant_id if tenant_id is not None else current_tenant_id()
    if tenant_id is None:
        raise RuntimeError("files belong to a tenant; none is current")
    if not KIND_NAME.match(kind):
        raise ValueError(f"not a kind of file: {kind!r}")
    if not name or not STORED_NAME.match(name):
        raise FileNotFoundError(name)
    return f"tenant-{int(tenant_id)}/{kind}/{name}"


def save(kind: str, name: str, data: Data, tenant_id: int | None = None) -> None:
    if not STORED_NAME.match(name):
        raise ValueError(f"not a stored file name: {name!r}")
    store().save(key_of(kind, name, tenant_id), data)


def open(kind: str, name: str | None, tenant_id: int | None = None) -> IO[bytes]:  # noqa: A001
    """The file as a stream (close it); FileNotFoundError when there is none."""
    return store().open(key_of(kind, name, tenant_id))


def read(kind: str, name: str | None, tenant_id: int | None = None) -> bytes | None:
    """The file's bytes, or None when there is no such file (for small files only)."""
    try:
        with open(kind, name, tenant_id) as stream:
            return stream.read()
    except FileNotFoundError:
        return None


def exists(kind: str, name: str | None, tenant_id: int | None = None) -> bool:
    try:
        return store().exists(key_of(kind, name, tenant_id))
    except FileNotFoundError:
        return False


def stored(kind: str, tenant_id: int | None = None) -> Iterator[tuple[str, datetime]]:
    """The names of a tenant's files of one kind (only names this module makes), each
    with when it was stored."""
    folder = key_of(kind, new_name(".x"), tenant_id).rsplit("/", 1)[0]
    for name, when in store().listing(folder):
        if STORED_NAME.match(name):
            yield name, when


def delete(kind: str, name: str | None, tenant_id: int | None = None) -> None:
    try:
        key = key_of(kind, name, tenant_id)
    except FileNotFoundError:
        return
    store().delete(key)
