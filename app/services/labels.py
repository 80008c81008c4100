"""Labels administrators give in the four languages (field sections, fields, choices,
dictionary entries), and the stable keys made from them."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l

from app.config import LANGUAGES
from app.models.custom_field import localised
from app.services.errors import ServiceError

# Danish and Polish letters written the way a key would spell them.
TRANSLITERATION = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ł": "l", "ß": "ss"})


def clean_labels(labels: dict[str, str], field: str = "labels") -> dict[str, str]:
    """The non-empty labels, trimmed; ServiceError when there is none at all."""
    cleaned = {lang: (labels.get(lang) or "").strip()[:200] for lang in LANGUAGES}
    cleaned = {lang: text for lang, text in cleaned.items() if text}
    if not cleaned:
        raise ServiceError(_l("Give a label in at least one language."), field=field)
    return cleaned


def slug(text: str) -> str:
    """An ASCII key from a label: "Opmærksomhedspunkter" → "opmaerksomhedspunkter"."""
    text = text.lower().translate(TRANSLITERATION)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:50] or "field"
    return text if text[0].isalpha() else f"f_{text}"


def unique_key(base: str, taken: set[str]) -> str:
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}_{number}", number + 1
    return candidate


def key_from(labels: dict[str, str], taken: set[str]) -> str:
    """A new key from the (English, else any) label, not among ``taken``."""
    return unique_key(slug(localised(labels, "en")), taken)
