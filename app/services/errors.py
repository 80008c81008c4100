"""Refusals of business rules, shared by every service and shown by views, the API and
the CLI alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


def refuse_together(checks: Iterable[Callable[..., None]], *arguments: Any) -> None:
    """Run every check (given ``arguments``), then refuse once naming each refused field
    (the first message of a field wins), so a form shows all its errors in one round.
    A refusal that names no field stops at once: it is about the whole record."""
    errors: dict[str, Any] = {}
    for check in checks:
        try:
            check(*arguments)
        except FieldErrors as exc:
            for name, message in exc.errors.items():
                errors.setdefault(name, message)
        except ServiceError as exc:
            if exc.field is None:
                raise
            errors.setdefault(exc.field, exc.message)
    if errors:
        raise FieldErrors(errors)


class NotPermitted(ServiceError):
    """The acting user may not do this at all (edit rights, A3): not a value to correct.
    Screens do not offer what is not permitted; the API answers it with 403."""
