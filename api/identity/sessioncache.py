"""Signed-in users' access tokens remembered by one API process, so a signed-in request is not a database
look-up (the session check) and a JWT decode every time.

An access token is remembered only after its signature and claims were verified and the database found its
session live (not revoked, not expired, its user not deleted), filed under the ``sessions`` data version
(migration a0027: triggers move it in the writing transaction whenever a session is revoked, expires
earlier, is deleted, its user deleted, or the user's TOTP enrolment changes) as read *before* that
look-up. The key is the SHA-256 of the whole token: its signed claims name the user and the session, so one
token is never answered with another's principal, and a token differing in any byte is checked afresh.
It is served from memory only while (the rules of ``api.identity.keycache``, which stores it):

- the current ``sessions`` version is known fresh (read by this process's refresher less than
  ``CACHE_VERSION_TTL_SECONDS`` ago, dropped at once when this process commits a write) and equal to the
  one it was filed under: a sign-out or revocation in any process is refused by every process within
  ``CACHE_VERSION_TTL_SECONDS`` (0.5 s), by the one that wrote it at once; no fresh version, no memory;
- it was checked less than ``SESSION_CACHE_SECONDS`` ago (the safety net for a write that escaped the
  triggers), and the session's ``last_seen_at`` is recent enough not to need the throttled update (60 s),
  which the database path then makes, as before;
- neither the token nor the session has expired, checked on every request with the verifier's own rule
  (``exp + LEEWAY_SECONDS <= now`` is expired, as PyJWT decides; the session's ``expires_at <= now``).

Refused tokens are never remembered: every bad or revoked token goes to the verifier and the database
(and a 401 counts against the caller's failed-authentication budget).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime

from api.auth import Principal
from api.identity.keycache import VerifiedKeys
from api.identity.tokens import LEEWAY_SECONDS


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class LiveSessions:
    """Bounded map: SHA-256 of an access token -> its principal, under the rules of the module doc."""

    def __init__(self, version: Callable[[], int | None], ttl: float, size: int = 10_000) -> None:
        self._store = VerifiedKeys(version, ttl, size)

    @property
    def ttl(self) -> float:
        return self._store.ttl

    def version(self) -> int | None:
        """The version to file a token under: call before the session look-up."""
        return self._store.version()

    def checked_now(self) -> tuple[int | None, float]:
        """(version, monotonic time), both taken before the session look-up."""
        return self.version(), time.monotonic()

    def get(self, token: str, now: datetime) -> Principal | None:
        """The principal of a remembered, unexpired token with a live session; None: check it (no I/O)."""
        return self._store.get(digest(token), now)

    def put(self, token: str, principal: Principal, version: int | None, checked: float, *, exp: int,
            session_expires_at: datetime, last_seen_at: datetime) -> None:
        """Remember a token the verifier and the database accepted (``version`` and ``checked`` taken before
        the session look-up); it is served until the earlier of its own and its session's expiry."""
        token_expires = datetime.fromtimestamp(exp + LEEWAY_SECONDS, UTC)
        self._store.put(digest(token), principal, version, checked, min(token_expires, session_expires_at),
                        last_seen_at)

    def __len__(self) -> int:
        return len(self._store)
