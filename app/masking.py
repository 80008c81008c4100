"""Masking of personal IDs: shared by the change history (app.audit, below the
services) and the screens, so it depends on nothing of the app."""

from __future__ import annotations

MASK_CHARACTER = "*"
MASK_KEEP = 2


def mask_national_id(value: str | None) -> str:
    """Personal IDs are sensitive, so lists and exports show only enough to tell two
    apart at a glance. Rule: keep the first two characters, replace every later letter or
    digit with ``*`` and keep separators, e.g. ``211062-5629`` -> ``21****-****``."""
    if not value:
        return ""
    rest = "".join(MASK_CHARACTER if ch.isalnum() else ch for ch in value[MASK_KEEP:])
    return value[:MASK_KEEP] + rest
