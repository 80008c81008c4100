"""Refusals of business rules, shared by every service and shown by views, the API and
the CLI alike."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A business rule refused an operation. The message is translated and shown as is.

    ``field`` names the form field the message belongs to, when there is one. Not a
    ValueError on purpose: WTForms, filters and any ``except ValueError`` would swallow
    a refusal as if it were a parsing problem."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class FieldErrors(ServiceError):
    """Several fields refused at once: ``errors`` maps form names to messages."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(next(iter(errors.values())), field=next(iter(errors)))
        self.errors = errors
