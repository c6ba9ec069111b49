"""Repeated anonymous reads answered from the read cache before routing and parameter parsing.

A cached read route (``api.kit.cache.cached_read``) builds its cache key from its parsed parameters; the
parse is pure (addresses, chain names from the registry, limits, cursors), so one raw URL always yields
the same key. When a route answers an anonymous request with a cached body it teaches
:class:`RawReads` ``(path, query string) -> (route, key)``; the next anonymous GET of the same raw URL is
answered here from the in-process cache, skipping routing, dependency solving, validation and the
response object, with everything the full path enforces that does not depend on parsing:

- the index version: the entry is looked up under the current version (``ReadCache.peek``), so a body is
  never served past ``CACHE_VERSION_TTL_SECONDS`` of an index change, exactly as the route would;
- the per-IP rate limit (the same bucket and script as ``public_read``; a 429 is answered here);
- credentials: a request carrying ``Authorization`` or ``X-API-Key`` takes the full path (its principal,
  scope and per-principal limit); so does a conditional one (``If-None-Match``: the route answers 304);
- feature flags: only routes without a flag teach the map (a flag's configured state is per deployment;
  overrides apply to signed-in callers only, who never take this path).

Anything else (a miss, a version change, a 404 entry) goes through the full app, which answers and,
when it can, teaches the map again. The map is bounded (oldest entries dropped first).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from prometheus_client import Counter
from starlette.types import ASGIApp, Receive, Scope, Send

from api.kit.problems import Problem, problem_response
from api.kit.ratelimit import alimit_ip

FAST_READS = Counter("lancer_fast_reads_total", "Anonymous reads answered from the read cache before routing")
# Set by the public_read dependency on the anonymous path of a route without a feature flag.
ELIGIBLE = "lancer.fast_read"
_BYPASS = frozenset({b"authorization", b"x-api-key", b"if-none-match"})


class RawReads:
    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._map: dict[tuple[str, bytes], tuple[Any, str]] = {}

    def learn(self, scope: Scope, key: str) -> None:
        if not scope.get(ELIGIBLE) or scope.get("method") != "GET" or "route" not in scope:
            return
        raw = (scope["path"], scope.get("query_string", b""))
        if raw in self._map:
            return
        if len(self._map) >= self.size:
            self._map.pop(next(iter(self._map)))  # oldest first: dicts keep insertion order
        self._map[raw] = (scope["route"], key)

    def lookup(self, path: str, query: bytes) -> tuple[Any, str] | None:
        return self._map.get((path, query))


class FastReadMiddleware:
    """Innermost of Lancer's middleware: request ids, security headers, CORS and timing still apply."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        cache = getattr(state, "read_cache", None)
        learned = cache.raw.lookup(scope["path"], scope.get("query_string", b"")) if cache is not None else None
        if learned is None or any(name in _BYPASS for name, _ in scope["headers"]):
            await self.app(scope, receive, send)
            return
        route, key = learned
        found = cache.peek(key)
        if found is None or not found.body:  # stale version, evicted, or a cached 404: the route decides
            await self.app(scope, receive, send)
            return
        scope["route"] = route  # the metrics label, as if routed
        request = Request(scope, receive)
        try:
            await alimit_ip(request, "default")
        except Problem as exc:
            await problem_response(request, exc.status, exc.detail, type_=exc.type_, title=exc.title,
                                   headers=exc.headers, **exc.extra)(scope, receive, send)
            return
        headers = [(b"content-length", str(len(found.body)).encode()), (b"content-type", b"application/json")]
        headers += [(k.lower().encode(), v.encode()) for k, v in
                    found.headers(state.settings.cache_max_age_seconds).items()]
        FAST_READS.inc()
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": found.body})

