"""The invalidation bound the per-process credential caches' tests wait for (API keys, sessions)."""

from __future__ import annotations

import time
from collections.abc import Callable

# Longer than CACHE_VERSION_TTL_SECONDS (0.5 s: the bound) with room for a loaded machine, and shorter
# than the caches' safety-net TTLs (10 s): a refusal seen before it came from the data version, not the TTL.
DEADLINE = 5.0


def until(check: Callable[[], bool], seconds: float = DEADLINE) -> float:
    """Seconds until ``check()`` held (polling); fails past ``seconds``."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds, "not within the deadline"
        time.sleep(0.02)
    return time.monotonic() - start
