"""Bounds on the RPC work that unauthenticated requests cause (contract-wallet sign-in, attestation
verification): one shared HTTP session, no hidden retries, one deadline per request, a per-IP budget of
its own and a cap on calls in flight per process.

web3.py's ``HTTPProvider`` retries failed calls by default (``exception_retry_configuration``: up to 5
tries with back-off); on these paths a stranger's request would multiply into work against our RPC
provider, so every provider made here has retries off and a timeout that is what is left of the
request's deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from web3 import Web3

from api.kit.problems import Problem
from api.kit.ratelimit import RateLimiter
from api.kit.web3rpc import TracedHTTPProvider


class Deadline:
    """One time budget for every RPC call a request makes."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(self._end - time.monotonic(), 0.0)

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0


class _DeadlineProvider(TracedHTTPProvider):
    def __init__(self, url: str, deadline: Deadline, session: requests.Session) -> None:
        super().__init__(url, session=session, exception_retry_configuration=None)
        self._deadline = deadline

    def get_request_kwargs(self) -> dict[str, Any]:  # type: ignore[override]
        left = self._deadline.remaining()
        if left <= 0:
            raise TimeoutError("RPC deadline exceeded")
        return {**dict(super().get_request_kwargs()), "timeout": (left, left)}


class RpcGuard:
    def __init__(self, limiter: RateLimiter | None, *, per_ip: int, window: int, concurrency: int,
                 deadline_seconds: float, enabled: bool = True) -> None:
        self._limiter = limiter
        self._per_ip = per_ip
        self._window = window
        self._enabled = enabled
        self._slots = threading.BoundedSemaphore(concurrency)
        self.deadline_seconds = deadline_seconds
        # One connection pool for all of them (requests.Session is safe for concurrent POSTs).
        self.session = requests.Session()

    @contextmanager
    def slot(self, ip: str | None) -> Iterator[Deadline]:
        """Admit one request's RPC work (429 over the per-IP budget, 503 when the process is at its cap)
        and give it its deadline."""
        if self._enabled and self._limiter is not None:
            verdict = self._limiter.hit("rpc-ip", ip or "unknown", self._per_ip, self._window)
            if verdict is not None and not verdict.allowed:
                raise Problem(429, f"too many on-chain checks from this address; retry in {max(verdict.reset, 1)} s",
                              type_="rate-limited", headers=verdict.headers())
        if not self._slots.acquire(blocking=False):
            raise Problem(503, "too many on-chain checks in progress; retry shortly", type_="rpc-busy",
                          headers={"Retry-After": "1"})
        try:
            yield Deadline(self.deadline_seconds)
        finally:
            self._slots.release()

    def web3(self, url: str, deadline: Deadline) -> Web3:
        """A client for one URL: no retries, the shared session, each call timed out at what is left of
        ``deadline`` (so all the calls of one request share it)."""
        return Web3(_DeadlineProvider(url, deadline, self.session))

    def close(self) -> None:
        self.session.close()
