"""``Idempotency-Key`` on POSTs that create things: a retried request gets the first answer again.

The key is stored in the same database transaction as what the request created, so "created" and
"key remembered" commit together; a retry after a lost response replays the stored status and body.
Keys are scoped by principal (two users may pick the same key) and bound to the request's fingerprint
(method, path, body): reusing a key for a different request is a 422. Two requests racing with one
key: the second to commit hits the primary key and gets a 409 (retry it to read the replay).

This is the only idempotency store: services on these routes flush (never commit) what they create,
and the router commits once, with the remembered response, through :func:`run`::

    key: IdemKey = None                            # the optional header, validated
    return idempotency.run(db, principal.actor, key, request, body, 201,
                           lambda: service.out(db, service.create(db, ...)))

(:func:`replay`, :func:`remember` and :func:`commit` are the same steps for routes that need to act
between them, e.g. publish after the commit.)
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import Integer, LargeBinary, String, delete
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from api.kit.db import Base, utcnow
from api.kit.problems import Problem

# How long a key is remembered: retries come within minutes; a day covers a client's overnight queue.
KEY_TTL = timedelta(hours=24)

IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=128,
                                       pattern=r"^[\x21-\x7e]+$",
                                       description="Optional; a retry with the same key and body replays the "
                                                   "first response instead of creating again (24 h)")]


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    principal: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary(32))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[Any] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


T = TypeVar("T")


def fingerprint(method: str, path: str, body: Any) -> bytes:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).digest()


def replay(db: Session, principal: str, key: str | None, fp: bytes) -> JSONResponse | None:
    """The stored response for this key, None when the key is new (or absent)."""
    if key is None:
        return None
    found = db.get(IdempotencyRecord, (principal, key))
    if found is None or found.created_at < utcnow() - KEY_TTL:
        return None
    if found.fingerprint != fp:
        raise Problem(422, "this Idempotency-Key was used for a different request; use a new key",
                      type_="idempotency-key-reused")
    return JSONResponse(found.body, status_code=found.status_code, headers={"Idempotent-Replayed": "true"})


def remember(db: Session, principal: str, key: str | None, fp: bytes, status_code: int, body: Any) -> None:
    """Store the response in the caller's transaction (commit it with what was created)."""
    if key is None:
        return
    # An expired row with the same key would block the insert: drop it first.
    db.execute(delete(IdempotencyRecord).where(IdempotencyRecord.principal == principal,
                                               IdempotencyRecord.key == key,
                                               IdempotencyRecord.created_at < utcnow() - KEY_TTL))
    db.add(IdempotencyRecord(principal=principal, key=key, fingerprint=fp, status_code=status_code, body=body))


def commit(db: Session) -> None:
    """Commit, turning a lost race on the same key into a 409 instead of a 500."""
    try:
        db.commit()
    except IntegrityError as exc:
        db.rollback()
        if "idempotency_keys" in str(exc.orig):
            raise Problem(409, "a request with this Idempotency-Key is being processed; retry it",
                          type_="idempotency-key-in-use") from None
        raise


def run(db: Session, principal: str, key: str | None, request: Request, body: Any, status_code: int,
        work: Callable[[], T]) -> T | JSONResponse:
    """``work()`` (which must not commit) once per key, its result remembered and committed with it; a
    retry with the same key and body gets the stored response, with another body a 422."""
    fp = fingerprint(request.method, request.url.path, jsonable_encoder(body))
    if (stored := replay(db, principal, key, fp)) is not None:
        return stored
    try:
        out = work()
        remember(db, principal, key, fp, status_code, jsonable_encoder(out))
    except BaseException:
        db.rollback()
        raise
    commit(db)
    return out
