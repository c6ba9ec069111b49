"""JSON-RPC client over httpx: the transport (``_post``: one HTTP exchange, its failures sorted into
the kinds of ``indexer.rpc.errors``) and, above it, failover across several URLs, timeouts, retries
with exponential backoff and full jitter, 429 / Retry-After, and JSON-RPC batching.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import httpx
import msgspec
import structlog

from indexer import metrics
from indexer.core import telemetry
from indexer.rpc.errors import (
    RANGE_PATTERNS,
    RETRYABLE,
    HttpStatusError,
    InvalidResponse,
    RangeTooLarge,
    RateLimited,
    RpcConnectionError,
    RpcError,
    RpcTimeout,
    classify_rpc_error,
)

log = structlog.get_logger(__name__)

T = TypeVar("T")


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode
_JSON_HEADERS = {"content-type": "application/json"}


class _Reply(msgspec.Struct, Generic[T]):
    """One JSON-RPC reply whose result is decoded straight into ``T`` (fields ``T`` lacks are skipped
    unparsed, which is what makes typed decoding fast for big answers such as block receipts)."""

    id: int | str | None = None
    result: T | None = None
    error: dict[str, Any] | None = None


def _typed_batch_decoder(result_type: Any) -> Callable[[bytes], Any]:
    decoder = msgspec.json.Decoder(list[_Reply[result_type]])  # type: ignore[valid-type]

    def decode(body: bytes) -> list[dict[str, Any]]:
        try:
            replies = decoder.decode(body)
        except msgspec.ValidationError as exc:
            plain = json.loads(body)
            if isinstance(plain, dict):
                return plain  # {"error": ...} for the whole batch: classified by the caller
            raise InvalidResponse(f"malformed reply: {exc}") from None
        return [{"id": r.id, "result": r.result, "error": r.error} for r in replies]
    return decode


class RpcClient:
    """Thread-safe JSON-RPC client for one chain.

    It sticks to one URL while it works and moves to the next one on a fault, so a dead or lying
    node is left behind quickly while a healthy primary keeps all traffic.
    """

    def __init__(
        self,
        urls: Sequence[str],
        *,
        chain: str = "",
        timeout: float = 10.0,
        max_retries: int = 6,
        backoff_base: float = 0.1,
        backoff_max: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not urls:
            raise ValueError("RpcClient needs at least one URL")
        self.urls = list(urls)
        self.chain = chain
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._sleep = sleep
        self._current = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
                                  limits=httpx.Limits(max_connections=16, max_keepalive_connections=8))

    def close(self) -> None:
        self._http.close()

    @property
    def url(self) -> str:
        return self.urls[self._current % len(self.urls)]

    def rotate(self, reason: str = "") -> None:
        """Move to the next URL (after a fault of the current one)."""
        with self._lock:
            old = self.url
            self._current = (self._current + 1) % len(self.urls)
        if len(self.urls) > 1:
            log.info("rpc_failover", chain=self.chain, old=old, new=self.url, reason=reason)

    def record_fault(self, kind: str) -> None:
        metrics.RPC_ERRORS.labels(chain=self.chain, kind=kind).inc()

    def _backoff(self, attempt: int, error: RpcError) -> float:
        # Full jitter: spreads retries of many workers so a recovering node is not stampeded.
        delay = random.uniform(0, min(self.backoff_max, self.backoff_base * 2**attempt))
        if isinstance(error, RateLimited) and error.retry_after is not None:
            delay = max(delay, min(error.retry_after, 60.0))
        return delay

    def _post(self, url: str, payload: object, decode: Callable[[bytes], Any] | None = None) -> Any:
        try:
            # msgspec both ways: a backfill moves megabytes of JSON, and it is ~3x faster than json.
            reply = self._http.post(url, content=_encode(payload), headers=_JSON_HEADERS)
        except httpx.TimeoutException as exc:
            raise RpcTimeout(f"timeout after {self.timeout}s: {type(exc).__name__}", url=url) from None
        except httpx.TransportError as exc:
            raise RpcConnectionError(f"{type(exc).__name__}: {exc}", url=url) from None
        if reply.status_code == 429:
            retry_after: float | None = None
            header = reply.headers.get("retry-after")
            if header:
                try:
                    retry_after = float(header)
                except ValueError:
                    retry_after = None
            raise RateLimited("HTTP 429", retry_after=retry_after, url=url, code=429)
        if reply.status_code == 413:
            raise RangeTooLarge("HTTP 413 request/response too large", url=url, code=413)
        if reply.status_code >= 400:
            body = reply.text[:200]
            # Some providers answer an oversized getLogs with HTTP 400/500 and a message.
            if RANGE_PATTERNS.search(body):
                raise RangeTooLarge(f"HTTP {reply.status_code}: {body}", url=url, code=reply.status_code)
            raise HttpStatusError(f"HTTP {reply.status_code}: {body}", url=url, code=reply.status_code)
        try:
            return decode(reply.content) if decode else _decode(reply.content)
        except (ValueError, msgspec.DecodeError):
            raise InvalidResponse("response is not JSON", url=url) from None
        except InvalidResponse as exc:
            exc.url = url
            raise

    def _with_retries(self, method: str, send: Callable[[str], Any], retries: int | None) -> Any:
        if not telemetry.enabled():
            return self._attempts(method, send, retries)
        # One span per logical call, retries and failovers included (no URL: providers put keys in them).
        with telemetry.span(f"rpc {method}", **{"rpc.system": "jsonrpc", "rpc.method": method,
                                                 "lancer.chain": self.chain}):
            return self._attempts(method, send, retries)

    def _attempts(self, method: str, send: Callable[[str], Any], retries: int | None) -> Any:
        attempts = self.max_retries if retries is None else retries
        attempt = 0
        while True:
            url = self.url
            started = time.perf_counter()
            try:
                result = send(url)
                metrics.RPC_LATENCY.labels(chain=self.chain, method=method).observe(time.perf_counter() - started)
                return result
            except RpcError as exc:
                self.record_fault(exc.kind)
                if not isinstance(exc, RETRYABLE) or attempt >= attempts:
                    raise
                delay = self._backoff(attempt, exc)
                log.debug("rpc_retry", chain=self.chain, method=method, kind=exc.kind, error=str(exc)[:120],
                          attempt=attempt + 1, delay=round(delay, 3))
                if not isinstance(exc, RateLimited):
                    self.rotate(exc.kind)
                self._sleep(delay)
                attempt += 1

    def call(self, method: str, params: Sequence[object] = (), *, retries: int | None = None) -> Any:
        def send(url: str) -> Any:
            body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
            reply = self._post(url, body)
            if not isinstance(reply, dict):
                raise InvalidResponse(f"{method}: reply is not an object", url=url)
            if reply.get("error"):
                raise classify_rpc_error(reply["error"], url)
            if "result" not in reply:
                raise InvalidResponse(f"{method}: reply has no result", url=url)
            return reply["result"]

        return self._with_retries(method, send, retries)

    def batch(self, calls: Sequence[tuple[str, Sequence[object]]], *, retries: int | None = None,
              max_size: int = 200, result_type: Any = None) -> list[Any]:
        """Several calls in JSON-RPC batches of at most ``max_size``; results in call order.

        With ``result_type`` (a msgspec type), results are decoded and validated into it; a reply
        that does not fit is an ``InvalidResponse``.
        A batch in which any call failed is retried as a whole (calls here are reads, so harmless).
        """
        decode = _typed_batch_decoder(result_type) if result_type is not None else None
        results: list[Any] = []
        for start in range(0, len(calls), max_size):
            chunk = calls[start:start + max_size]
            method = chunk[0][0] if chunk else "batch"

            def send(url: str, chunk: Sequence[tuple[str, Sequence[object]]] = chunk) -> list[Any]:
                first = next(self._ids)
                body = [{"jsonrpc": "2.0", "id": first + i, "method": m, "params": list(p)}
                        for i, (m, p) in enumerate(chunk)]
                for _ in range(len(chunk) - 1):
                    next(self._ids)
                reply = self._post(url, body, decode)
                if isinstance(reply, dict) and reply.get("error"):
                    raise classify_rpc_error(reply["error"], url)
                if not isinstance(reply, list) or len(reply) != len(chunk):
                    raise InvalidResponse("batch reply does not match the request", url=url)
                by_id = {item.get("id"): item for item in reply if isinstance(item, dict)}
                out: list[Any] = []
                for i in range(len(chunk)):
                    item = by_id.get(first + i)
                    if item is None:
                        raise InvalidResponse("batch reply misses an id", url=url)
                    if item.get("error"):
                        raise classify_rpc_error(item["error"], url)
                    out.append(item.get("result"))
                return out

            results.extend(self._with_retries(f"batch:{method}", send, retries))
        return results
