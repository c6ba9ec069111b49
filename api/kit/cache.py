"""Caching of read responses, keyed by the index version, with ETags.

The version is the index version (``indexer.read_models.index_version``), which changes whenever an
indexer commits a batch, moves its confirmed block or rolls back a reorg, with the app's data versions
(``api.kit.versions``: projects, reputation inputs), bumped by triggers in every writing transaction; so
a cache keyed by it never serves stale data: invalidation is automatic. It is read from the database at
most every ``cache_version_ttl_seconds``, and at once after this process committed a write.

Two layers: a small in-process LRU of rendered bodies (every route), and Redis for the hot aggregates
(chains, treasury, carbon summary) so API replicas share them. Entries carry their ETag (a hash of
the body) and whether they hold pending data, which decides ``Cache-Control``.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from dataclasses import dataclass

import anyio.to_thread
import structlog
from fastapi import Request, Response
from pydantic import BaseModel
from prometheus_client import Counter
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

from api.kit.fastread import RawReads
from api.kit.problems import Problem
from api.kit.versions import CREDENTIAL_VERSIONS, data_versions
from indexer import read_models

log = structlog.get_logger(__name__)

CACHE_HITS = Counter("lancer_cache_hits_total", "Read-cache hits", ["layer"])
CACHE_MISSES = Counter("lancer_cache_misses_total", "Read-cache misses (the response was built)")
_LOCAL_HITS = CACHE_HITS.labels(layer="local")  # every hit: looked up once, not per request


@dataclass(frozen=True, slots=True)
class Cached:
    body: bytes
    etag: str
    confirmed: bool  # True when the body holds confirmed data only

    @classmethod
    def of(cls, body: bytes, confirmed: bool) -> Cached:
        return cls(body, '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"', confirmed)

    def headers(self, max_age: int) -> dict[str, str]:
        """ETag, Cache-Control (by confirmation) and Vary: the same on the full path and the fast one."""
        return {
            "ETag": self.etag,
            "Cache-Control": f"public, max-age={max_age}" if self.confirmed else "no-cache",
            "Vary": "Accept-Encoding",
        }

    def dumps(self) -> bytes:
        return (b"1" if self.confirmed else b"0") + self.etag.encode() + b"\n" + self.body

    @classmethod
    def loads(cls, raw: bytes) -> Cached:
        head, _, body = raw.partition(b"\n")
        return cls(body, head[1:].decode(), head[:1] == b"1")


class ReadCache:
    def __init__(self, engine: Engine, redis: Redis, prefix: str, *, version_ttl: float = 0.5,
                 local_size: int = 4096, redis_ttl: int = 300, redis_versions: dict[str, str] | None = None) -> None:
        self.engine = engine
        self.redis = redis
        # Counters kept in Redis (name -> key), folded into the version like the data versions: e.g. the
        # attestation counter of reputation, so its answers can be keyed by the version alone.
        self.redis_versions = dict(redis_versions or {})
        self.prefix = prefix
        self.version_ttl = version_ttl
        self.local_size = local_size
        self.redis_ttl = redis_ttl
        self._lock = threading.Lock()
        self._version: tuple[float, str, dict[str, int]] | None = None  # (read at, digest, data versions)
        self._generation = 0  # moved by stale(): a version read before it is not kept
        self._local: OrderedDict[str, Cached] = OrderedDict()
        self.raw = RawReads()  # raw URL -> cache key of anonymous reads (api.kit.fastread)

    def version(self) -> str:
        now = time.monotonic()
        current = self._version
        if current is not None and now - current[0] < self.version_ttl:
            return current[1]
        return self._read_version()

    def counter(self, name: str) -> int | None:
        """One data version (``api.kit.versions``) as read with the current version, when that is fresh
        (read less than ``version_ttl`` ago: the background refresher keeps it so); None otherwise, and
        then a caller relying on it must check its data itself. No I/O: safe on the event loop."""
        current = self._version
        if current is None or time.monotonic() - current[0] >= self.version_ttl:
            return None
        return current[2].get(name, 0)

    def stale(self) -> None:
        """This process wrote app data: the next read takes the version from the database (a read of it
        already under way is not kept)."""
        self._generation += 1
        self._version = None

    def _read_version(self) -> str:
        now = time.monotonic()  # taken before the read: the version is never used past its bound
        generation = self._generation
        # Tagged: a bounded look-up that may also run from the background refresher at any moment, so
        # statement counts (the N+1 check) leave it out. Both are read before the data a caller then
        # builds, so what is filed under a version is never older than that version.
        with self.engine.connect().execution_options(lancer_cache_version=True) as conn:
            counters = data_versions(conn)
            index = read_models.index_version(conn)
        parsed = {name: int(v) for name, _, v in (c.partition(":") for c in counters.split(",") if c)}
        value = ",".join(f"{name}:{v}" for name, v in parsed.items() if name not in CREDENTIAL_VERSIONS) + "|" + index
        if self.redis_versions:
            try:
                found = self.redis.mget(list(self.redis_versions.values()))
            except RedisError:  # the routes that read these counters themselves fail or fall back
                log.warning("read cache: redis unavailable")
                found = [b"?"] * len(self.redis_versions)
            for name, raw in zip(self.redis_versions, found, strict=True):
                value += f"|{name}:{(raw or b'0').decode()}"
        digest = hashlib.blake2b(value.encode(), digest_size=8).hexdigest()
        if generation == self._generation:
            self._version = (now, digest, parsed)
        return digest

    async def keep_version_fresh(self) -> None:
        """Re-read the index version every half TTL, in the thread pool, so that requests find it
        fresh instead of all missing at once when it expires (and queueing on the thread pool). The
        staleness bound is unchanged: a version is used at most ``version_ttl`` after it was read."""
        while True:
            started = time.monotonic()
            try:
                await run_in_threadpool(self._read_version)
            except Exception:  # the request path reads it itself meanwhile
                log.warning("read cache: index version refresh failed", exc_info=True)
            # Every half TTL from the start of the previous read, however long that read took (a busy
            # process waits for a thread and the GIL): the version stays fresh between two reads.
            await asyncio.sleep(max(self.version_ttl / 2 - (time.monotonic() - started), self.version_ttl / 10))

    def get(self, key: str, build: Callable[[], Cached], *, shared: bool = False) -> Cached:
        full = f"{self.version()}:{key}"
        found = self._local_hit(full)
        if found is not None:
            return found
        redis_key = f"{self.prefix}cache:{full}"
        if shared:
            try:
                raw = self.redis.get(redis_key)
            except RedisError:
                raw = None
                log.warning("read cache: redis unavailable")
            if raw is not None:
                CACHE_HITS.labels(layer="redis").inc()
                found = Cached.loads(raw)
                self._remember(full, found)
                return found
        CACHE_MISSES.inc()
        found = build()
        self._remember(full, found)
        if shared:
            try:
                self.redis.set(redis_key, found.dumps(), ex=self.redis_ttl)
            except RedisError:
                pass
        return found

    def peek(self, key: str) -> Cached | None:
        """The in-process entry for ``key`` when the index version is fresh: no I/O, safe on the event loop."""
        current = self._version
        if current is None or time.monotonic() - current[0] >= self.version_ttl:
            return None
        return self._local_hit(f"{current[1]}:{key}")

    def fresh(self) -> tuple[str, dict[str, int]] | None:
        """The current version and its data versions when fresh (no I/O), else None."""
        current = self._version
        if current is None or time.monotonic() - current[0] >= self.version_ttl:
            return None
        return current[1], current[2]

    def put(self, key: str, value: Cached, version: str) -> None:
        """Keep ``value`` in the in-process LRU under ``key`` and ``version`` (read before the data it was
        built from), where ``peek`` finds it while that version is the current one."""
        self._remember(f"{version}:{key}", value)

    def peek_under(self, key: str, version: str) -> Cached | None:
        """The entry ``put`` under ``key`` and ``version`` (no I/O)."""
        return self._local_hit(f"{version}:{key}")

    def lookup(self, key: str) -> Cached | None:
        """The in-process entry under a key the caller versioned itself (exactly: see ``store``)."""
        return self._local_hit(f"exact:{key}")

    def store(self, key: str, value: Cached) -> None:
        """Keep ``value`` in the in-process LRU under ``key`` alone, not under the index version: for a
        route that reads its own versions on every request (reputation) and names them in ``key``."""
        self._remember(f"exact:{key}", value)

    def _local_hit(self, full: str) -> Cached | None:
        """The in-process entry under a versioned key, marked recently used and counted as a hit."""
        with self._lock:
            found = self._local.get(full)
            if found is not None:
                self._local.move_to_end(full)
        if found is not None:
            _LOCAL_HITS.inc()
        return found

    async def fetch(self, key: str, build: Callable[[], Cached], *, shared: bool = False,
                    limiter: anyio.CapacityLimiter | None = None) -> Cached:
        """``get`` for async routes: a local hit is answered inline; the version read, Redis and
        ``build`` (database queries) run in the thread pool (at most ``limiter``'s tokens at once)."""
        found = self.peek(key)
        if found is not None:
            return found
        return await anyio.to_thread.run_sync(functools.partial(self.get, key, build, shared=shared), limiter=limiter)

    def _remember(self, key: str, value: Cached) -> None:
        with self._lock:
            self._local[key] = value
            self._local.move_to_end(key)
            while len(self._local) > self.local_size:
                self._local.popitem(last=False)


def respond(request: Request, cached: Cached) -> Response:
    """The cached body with its ETag; 304 when the client has it; Cache-Control by confirmation."""
    headers = cached.headers(request.app.state.settings.cache_max_age_seconds)
    inm = request.headers.get("if-none-match")
    if inm and (inm.strip() == "*" or cached.etag in [t.strip().removeprefix("W/") for t in inm.split(",")]):
        return Response(status_code=304, headers=headers)
    return Response(content=cached.body, media_type="application/json", headers=headers)


def read_cache(request: Request) -> ReadCache:
    return request.app.state.read_cache  # type: ignore[no-any-return]


def respond_model(request: Request, out: BaseModel, *, confirmed: bool) -> Response:
    """An uncached response (built from files, not the index) with the same ETag/Cache-Control rules."""
    return respond(request, Cached.of(out.model_dump_json().encode(), confirmed=confirmed))


async def cached_read(request: Request, key: str, build: Callable[[Connection], BaseModel | bytes | None], *,
                      confirmed: bool | Callable[[Any], bool], shared: bool = False,
                      not_found: Problem | None = None, limiter: anyio.CapacityLimiter | None = None,
                      inline: Callable[[dict[str, int]], bytes | None] | None = None) -> Response:
    """The read routes' one path: the cached body for ``key`` under the current index version, or
    ``build`` run on a fresh connection (in the thread pool) and remembered; then ETag / 304.

    ``build`` returns the response model, or its JSON already written (project search). ``confirmed`` (a
    flag, or a test of the built model) decides ``Cache-Control``; ``shared`` keeps the entry in Redis too
    (hot aggregates). When ``build`` returns None the absence is cached as well and ``not_found`` is raised.
    ``limiter`` bounds how many such builds run in threads at once (default: the shared thread pool's).
    ``inline``, given the fresh data versions, may answer a miss on the event loop without I/O (project
    search from its in-memory index: no thread hop), or return None when it needs the database."""
    engine = request.app.state.engine

    def render() -> Cached:
        with engine.connect() as conn:
            out = build(conn)
        if out is None:
            return Cached(b"", "", False)
        body = out if isinstance(out, bytes) else out.model_dump_json().encode()
        return Cached.of(body, confirmed=confirmed(out) if callable(confirmed) else confirmed)

    cache = read_cache(request)
    found = cache.peek(key)
    fresh = cache.fresh() if found is None and inline is not None else None
    body = inline(fresh[1]) if fresh is not None and inline is not None else None
    if body is not None and fresh is not None:
        found = Cached.of(body, confirmed=confirmed if isinstance(confirmed, bool) else False)
        cache.put(key, found, fresh[0])
    if found is None:
        found = await cache.fetch(key, render, shared=shared, limiter=limiter)
    if not found.body and not_found is not None:
        raise not_found
    cache.raw.learn(request.scope, key)  # anonymous and unflagged only (the scope says): see api.kit.fastread
    return respond(request, found)
