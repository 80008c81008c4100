"""Idempotent POSTs (the JSON API's ``Idempotency-Key``): the first answer to a request
made with a key is kept per token, and a retry with the same key gets it again instead
of doing the work twice. Kept for IDEMPOTENCY_KEEP_HOURS (a day by default: long enough
for any retry); older answers are removed by the hourly pruning (:func:`prune`)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, delete, select

from app.extensions import db
from app.models import IdempotentRequest
from app.models.base import utcnow
from app.tenancy import all_tenants

LONGEST_KEY = 200


def kept_for() -> timedelta:
    return timedelta(hours=int(current_app.config["IDEMPOTENCY_KEEP_HOURS"]))


def request_hash(method: str, path: str, body: bytes) -> str:
    """What was asked, so that the same key sent with another request is told apart."""
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def recall(token_id: int, key: str) -> IdempotentRequest | None:
    return db.session.scalar(select(IdempotentRequest).where(
        IdempotentRequest.token_id == token_id, IdempotentRequest.key == key,
        IdempotentRequest.created_at >= utcnow() - kept_for()))


def remember(token_id: int, key: str, asked: str, status: int, body: Any,
             headers: dict[str, str]) -> None:
    """Keep the answer, in the transaction that did the work (both or neither are
    saved); the token's expired answers go (its key may be used again)."""
    db.session.execute(delete(IdempotentRequest).where(
        IdempotentRequest.token_id == token_id,
        IdempotentRequest.created_at < utcnow() - kept_for()))
    db.session.add(IdempotentRequest(
        token_id=token_id, key=key, request_hash=asked, status=status,
        body=json.dumps(body, separators=(",", ":")), headers=headers))


def prune() -> int:
    """Remove the expired answers of every token of every tenant (a token no longer used
    would otherwise keep its answers for ever). The caller commits; how many."""
    with all_tenants():
        result = db.session.execute(
            delete(IdempotentRequest).where(IdempotentRequest.created_at < utcnow() - kept_for()),
            execution_options={"synchronize_session": False})
    return cast(CursorResult, result).rowcount
