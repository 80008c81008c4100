"""The password policy: the one check every password a person chooses goes through
(create-user on the command line, the users screen, a new tenant's administrator, the
change-password page and an administrator's reset).

Length decides most of a password's strength, so the rule is at least 12 characters
(NIST SP 800-63B), at most 128 (hashing a huge text costs the server; no one types it),
not only spaces, and not one of the most common passwords, nor one of them repeated or
wrapped in digits and signs ("password1234", "dragondragon"). The demo seeding and the
test fixtures set known short passwords through accounts.create_user, which trusts its
caller and does not apply the policy.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from app.services.errors import ServiceError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
# The fewest different characters a password may have ("aaaaaaaaaaaa", "121212121212").
MIN_DIFFERENT_CHARACTERS = 4
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"
_WRAPPING = re.compile(r"^[\W\d_]+|[\W\d_]+$")


class PasswordRefused(ServiceError):
    """The password breaks the policy; the message says which rule."""

    def __init__(self, message, field: str = "password") -> None:
        super().__init__(message, field=field)


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _repeated_unit(text: str) -> str:
    """"abcabcabc" → "abc"; a text that is no repetition is its own unit."""
    match = re.fullmatch(r"(.+?)\1+", text)
    return match.group(1) if match else text


def is_common(password: str) -> bool:
    """A common password, or one repeated, or one with digits and signs around it."""
    lowered = password.lower().strip()
    core = _WRAPPING.sub("", lowered)
    candidates = {lowered, core, _repeated_unit(lowered), _repeated_unit(core)}
    common = common_passwords()
    return any(candidate and candidate in common for candidate in candidates)


def check_password_policy(password: str | None, field: str = "password") -> None:
    """Raise PasswordRefused (translated, naming ``field``) unless the password may be
    used. Ends quietly for a good password."""
    password = password or ""
    if not password.strip():
        raise PasswordRefused(_l("The password cannot be empty or only spaces."), field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRefused(
            lazy_ngettext("The password may be at most %(num)d character long.",
                          "The password may be at most %(num)d characters long.",
                          MAX_PASSWORD_LENGTH), field)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRefused(
            lazy_ngettext("The password must be at least %(num)d character long.",
                          "The password must be at least %(num)d characters long.",
                          MIN_PASSWORD_LENGTH), field)
    if len(set(password)) < MIN_DIFFERENT_CHARACTERS or is_common(password):
        raise PasswordRefused(
            _l("This password is too common or too easy to guess. Choose another one."),
            field)
