"""The one way a change is committed: a view, a job, the API or the CLI hands a service
call to :func:`commit_or_refuse`, which commits when the rules accept it and rolls back
whole when they refuse it. Services themselves never commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.services.errors import ServiceError

T = TypeVar("T")

CONFLICT = _l("This record conflicts with an existing one.")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a service call came to: its result when committed, else its refusal.
    True when committed, so ``if commit_or_refuse(...)`` reads naturally."""

    result: T | None = None
    refusal: ServiceError | None = None

    def __bool__(self) -> bool:
        return self.refusal is None

    @property
    def value(self) -> T:
        """The call's result; asking it of a refused call is a programming error."""
        if self.refusal is not None:
            raise RuntimeError("a refused service call has no result")
        return cast(T, self.result)


def commit_or_refuse(action: Callable[[], T],
                     refused: Callable[[ServiceError], object] | None = None) -> Outcome[T]:
    """Run ``action`` as one transaction. A refusal (a ServiceError, or a unique
    constraint met at commit) rolls everything back (files stored for it go too:
    services.activities.attachments) and is handed to ``refused``, if given."""
    try:
        value = action()
        db.session.commit()
    except ServiceError as exc:
        return _refuse(exc, refused)
    except IntegrityError:
        return _refuse(ServiceError(CONFLICT), refused)
    return Outcome(result=value)


def _refuse(exc: ServiceError, refused: Callable[[ServiceError], object] | None) -> Outcome:
    db.session.rollback()
    if refused is not None:
        refused(exc)
    return Outcome(refusal=exc)
