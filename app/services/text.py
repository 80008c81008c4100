"""Small text helpers shared by the services."""

from __future__ import annotations


def escape_like(text: str) -> str:
    """Escape LIKE wildcards so typed text matches literally (use ``escape="\\\\"``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
