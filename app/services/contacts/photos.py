"""Contact photos (B3): checked, re-encoded and stored with a thumbnail.

Re-encoding with Pillow means only real images are kept, whatever the upload claims to
be, and drops metadata such as the GPS position a phone camera writes."""

from __future__ import annotations

import io
import warnings
from typing import IO, BinaryIO

from flask import current_app
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from app.services import storage
from app.services.errors import ServiceError

KIND = "photos"
ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
ACCEPTED_EXTENSIONS = ".jpg,.jpeg,.png,.gif,.webp"
PHOTO_SIZE = (800, 800)
THUMBNAIL_SIZE = (160, 160)
MAX_PIXELS = 40_000_000  # refuse decompression bombs long before memory runs out
THUMBNAIL_SUFFIX = "_thumb"


def read_upload(stream: BinaryIO, field: str = "photo_upload") -> Image.Image:
    """The uploaded image, or a ServiceError saying what is wrong with it."""
    limit = current_app.config["PHOTO_MAX_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ServiceError(_l("The picture is larger than %(size)s MB.",
                              size=format_decimal(limit / 1024 / 1024, "#,##0.#")), field=field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise ServiceError(_l("Upload a JPEG, PNG, GIF or WebP picture."), field=field)
            if image.width * image.height > MAX_PIXELS:
                raise ServiceError(_l("The picture has too many pixels."), field=field)
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ServiceError(_l("Upload a JPEG, PNG, GIF or WebP picture."), field=field) from exc
    return image


def store(image: Image.Image) -> str:
    """Save the photo and its thumbnail for the current tenant; return the stored name."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    name = storage.new_name(".jpg")
    for stored_name, size in ((name, PHOTO_SIZE), (thumbnail_name(name), THUMBNAIL_SIZE)):
        save_image(KIND, stored_name, image, size, "JPEG", quality=85)
    return name


def save_image(kind: str, name: str, image: Image.Image, size: tuple[int, int],
               image_format: str, **options) -> None:
    """Store a copy of the image shrunk to fit ``size``, encoded anew."""
    copy = image.copy()
    copy.thumbnail(size)
    buffer = io.BytesIO()
    copy.save(buffer, image_format, optimize=True, **options)
    storage.save(kind, name, buffer.getvalue())


def thumbnail_name(name: str) -> str:
    stem, _, suffix = name.rpartition(".")
    return f"{stem}{THUMBNAIL_SUFFIX}.{suffix}"


def stored_name(name: str | None, thumbnail: bool = False) -> str | None:
    """The stored file of the photo (or of its thumbnail)."""
    if not name:
        return None
    return thumbnail_name(name) if thumbnail else name


def open_photo(name: str | None, thumbnail: bool = False) -> IO[bytes]:
    """The current tenant's photo as a stream; FileNotFoundError when there is none."""
    return storage.open(KIND, stored_name(name, thumbnail))


def read(name: str | None, thumbnail: bool = False) -> bytes | None:
    return storage.read(KIND, stored_name(name, thumbnail))


def remove(name: str | None) -> None:
    if name:
        storage.delete(KIND, name)
        storage.delete(KIND, thumbnail_name(name))
