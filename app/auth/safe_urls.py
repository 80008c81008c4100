"""Redirect targets taken from the request must stay on this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def is_safe_redirect(target: str | None) -> bool:
    """True only for a path on this site: "/admin/", never "//evil", "/\\evil",
    "https:evil" or anything with a scheme, a host or control characters."""
    if not target or not target.startswith("/"):
        return False
    if target.startswith("//") or "\\" in target:
        return False
    if any(ord(char) < 32 or ord(char) == 127 for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_redirect_target(*candidates: str | None, default: str) -> str:
    for candidate in candidates:
        if is_safe_redirect(candidate):
            return candidate  # type: ignore[return-value]
    return default
