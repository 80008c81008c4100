"""Idempotent POSTs (the JSON API's ``Idempotency-Key``): the first answer to a request
made with a key is kept per token, and a retry with the same key gets it again instead
of doing the work twice. Kept for a day: long enough for any retry."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from app.extensions import db
from app.models import IdempotentRequest
from app.models.base import utcnow

KEPT_FOR = timedelta(days=1)
LONGEST_KEY = 200


def request_hash(method: str, path: str, body: bytes) -> str:
    """What was asked, so that the same key sent with another request is told apart."""
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def recall(token_id: int, key: str) -> IdempotentRequest | None:
    return db.session.scalar(select(IdempotentRequest).where(
        IdempotentRequest.token_id == token_id, IdempotentRequest.key == key,
        IdempotentRequest.created_at >= utcnow() - KEPT_FOR))


def remember(token_id: int, key: str, asked: str, status: int, body: Any,
             headers: dict[str, str]) -> None:
    """Keep the answer, in the transaction that did the work (both or neither are
    saved); the token's answers older than a day go."""
    db.session.execute(delete(IdempotentRequest).where(
        IdempotentRequest.token_id == token_id,
        IdempotentRequest.created_at < utcnow() - KEPT_FOR))
    db.session.add(IdempotentRequest(
        token_id=token_id, key=key, request_hash=asked, status=status,
        body=json.dumps(body, separators=(",", ":")), headers=headers))
