"""Verified API keys remembered by one API process, so a key's every request is not a database look-up.

A key is remembered only after the database accepted it, filed under the ``api_keys`` data version
(migration a0025: triggers move it in the writing transaction whenever a key is revoked, rotated, has
its scopes or secret changed, is deleted, or its user is deleted) as read *before* that look-up. It is
served from memory only while:

- the current ``api_keys`` version is known fresh (``ReadCache.counter``: read by this process's
  background refresher less than ``CACHE_VERSION_TTL_SECONDS`` ago, and dropped at once when this
  process commits a write) and equal to the one it was filed under: a revocation in any process is
  refused by every process within ``CACHE_VERSION_TTL_SECONDS`` (0.5 s by default), by this one at once;
  when the version cannot be read (database trouble, refresher stopped) nothing is served from memory
  and every request checks the database again;
- it was checked less than ``API_KEY_CACHE_SECONDS`` ago (the safety net if a write ever escaped the
  triggers), its expiry has not passed, and its ``last_used_at`` is recent enough not to need the
  throttled update (``LAST_USED_EVERY``), which the database path then makes, as before.

Unknown or refused keys are never remembered: every guess goes to the database (and counts against the
caller's failed-authentication budget).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from api.auth import Principal

# How often a key's last_used_at is written at most (the database path updates it when older).
LAST_USED_EVERY = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class _Entry:
    principal: Principal
    version: int  # the api_keys data version read before the database accepted the key
    checked: float  # monotonic time of that check
    expires_at: datetime | None
    last_used_at: datetime


class VerifiedKeys:
    """Bounded map: sha-256 of a presented key -> its principal, under the rules of the module doc."""

    def __init__(self, version: Callable[[], int | None], ttl: float, size: int = 10_000) -> None:
        self._version = version  # the fresh api_keys data version, or None (no I/O)
        self.ttl = ttl
        self.size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()

    def version(self) -> int | None:
        """The version to file a key under: call before the database look-up."""
        return self._version() if self.ttl > 0 else None

    def get(self, digest: bytes, now: datetime) -> Principal | None:
        if self.ttl <= 0:
            return None
        entry = self._entries.get(digest)
        if entry is None:
            return None
        current = self._version()
        if current is None:
            # Not known fresh (this process just wrote something, and the refresher has not re-read it yet):
            # not served, but kept, as it may be good again under the version read next.
            return None
        if (current != entry.version or time.monotonic() - entry.checked >= self.ttl
                or (entry.expires_at is not None and entry.expires_at <= now)
                or now - entry.last_used_at > LAST_USED_EVERY):
            with self._lock:
                if self._entries.get(digest) is entry:
                    del self._entries[digest]
            return None
        return entry.principal

    def put(self, digest: bytes, principal: Principal, version: int | None, checked: float,
            expires_at: datetime | None, last_used_at: datetime) -> None:
        """Remember a key the database accepted; ``version`` and ``checked`` taken before that look-up."""
        if version is None or self.ttl <= 0:
            return
        with self._lock:
            self._entries[digest] = _Entry(principal, version, checked, expires_at, last_used_at)
            self._entries.move_to_end(digest)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
