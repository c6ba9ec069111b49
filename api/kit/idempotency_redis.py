"""Idempotency keys kept in Redis, for routes whose service commits its own transaction (the marketplace's).
Routes that create in one transaction of their own use ``api.kit.idempotency`` instead, which stores the
key in that transaction; the two are to be folded into that one.

POSTs that create things: the same ``Idempotency-Key`` with the same body (from the
same principal, on the same route) gets the first response again; the same key with another body is a 422.

Responses are kept in Redis for ``TTL_SECONDS``. A key whose first request is still running is a 409, so
two concurrent retries never both create.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from redis import Redis

from api.kit.problems import Problem

TTL_SECONDS = 24 * 3600
_RUNNING = "running"

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$",
           description="Any unique string; a retry with the same key and body returns the first response"),
]


def for_request(request: Request, owner: object, key: str | None, body: Any) -> Idempotency:
    """The key of this request, scoped to its principal (``owner``) and path."""
    state = request.app.state
    return Idempotency(state.redis, state.settings.redis_key_prefix, str(owner), request.url.path, key, body)


class Idempotency:
    """One request's view of its key: ``replay()`` before doing the work, ``save()`` after."""

    def __init__(self, redis: Redis, prefix: str, owner: str, route: str, key: str | None, body: Any) -> None:
        self.redis = redis
        self.key = key
        raw = json.dumps(jsonable_encoder(body), sort_keys=True, separators=(",", ":")).encode()
        self.fingerprint = hashlib.sha256(raw).hexdigest()
        digest = hashlib.sha256(f"{owner}\x00{route}\x00{key}".encode()).hexdigest()
        self.redis_key = f"{prefix}idem:{digest}"

    def replay(self) -> JSONResponse | None:
        """The stored response of an earlier request with this key, or None (and the key is now held)."""
        if self.key is None:
            return None
        claim = json.dumps({"state": _RUNNING, "fingerprint": self.fingerprint})
        if self.redis.set(self.redis_key, claim, nx=True, ex=TTL_SECONDS):
            return None
        stored = self.redis.get(self.redis_key)
        if stored is None:  # expired between the two calls: treat as new
            return self.replay()
        entry = json.loads(stored)
        if entry["fingerprint"] != self.fingerprint:
            raise Problem(422, "Idempotency-Key was already used with a different request body",
                          type_="idempotency-key-reused")
        if entry["state"] == _RUNNING:
            raise Problem(409, "a request with this Idempotency-Key is still being processed; retry shortly",
                          type_="idempotency-key-in-progress", headers={"Retry-After": "1"})
        return JSONResponse(entry["body"], status_code=entry["status"], headers={"Idempotent-Replayed": "true"})

    def save(self, status: int, body: Any) -> None:
        if self.key is None:
            return
        entry = {"state": "done", "fingerprint": self.fingerprint, "status": status, "body": jsonable_encoder(body)}
        self.redis.set(self.redis_key, json.dumps(entry), ex=TTL_SECONDS)

    def release(self) -> None:
        """The request failed: forget the claim so a retry runs again."""
        if self.key is not None:
            self.redis.delete(self.redis_key)

    def run(self, status: int, work: Any) -> Any:
        """``work()`` once per key: a replay returns the stored response instead of calling it again."""
        replayed = self.replay()
        if replayed is not None:
            return replayed
        try:
            out = work()
        except BaseException:
            self.release()
            raise
        self.save(status, out)
        return out
