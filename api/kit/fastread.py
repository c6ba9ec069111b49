"""Repeated reads answered from the read cache before routing and parameter parsing.

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
  scope and per-principal limit), except on a URL a scope route taught with ``learn_credentialed``
  (reputation: its answer names no caller): there only requests with credentials are answered, after
  the route's own auth check run here (``AUTHORIZE``: an API key this process remembers, the per-IP
  limit, the failed-authentication guard, the per-principal limit, the scope; its 401/403/429 answered
  here), and anything it cannot decide without I/O (an unknown key, a JWT) takes the full path; a
  conditional request (``If-None-Match``: the route answers 304) always does;
- feature flags: only routes without a flag teach the map (a flag's configured state is per deployment;
  overrides apply to signed-in callers only, who never take this path).

Anything else (a miss, a version change, a 404 entry) goes through the full app, which answers and,
when it can, teaches the map again. The map is bounded (oldest entries dropped first).

A route can also be answered here whole (``DirectReads``: project search, the marketplace's hot read):
its own handler reads the parameters with the route's model, runs the route's auth dependency and answers
exactly as the route would, or returns None before any side effect (a query the route refuses: FastAPI
answers it, with its 422). What it skips is the per-request routing and parameter solving. Its exceptions
meet the app's handlers as the route's would.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from prometheus_client import Counter
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.kit.problems import Problem
from api.kit.ratelimit import alimit_ip

FAST_READS = Counter("lancer_fast_reads_total", "Reads answered from the read cache before routing")
# Set by the public_read dependency on the anonymous path of a route without a feature flag.
ELIGIBLE = "lancer.fast_read"
# Set by a scope route's auth dependency (no flag) when an API key passed it: that route's check, rerun here.
AUTHORIZE = "lancer.fast_authorize"
_BYPASS = frozenset({b"authorization", b"x-api-key", b"if-none-match"})


# A credentialed route's check for the fast path (set as AUTHORIZE by its auth dependency): False when it
# cannot decide without the full path (nothing counted yet); True when the caller passed the route's auth
# (its limits counted, its principal on the request state); raises the route's Problem otherwise.
Authorize = Callable[[Request], Awaitable[bool]]


# A route's handler run before routing: its response, or None for the full path (nothing done yet).
DirectRead = Callable[[Request], Awaitable[Response | None]]


class DirectReads:
    """GET routes answered whole by their own handler before routing, by exact path."""

    def __init__(self) -> None:
        self._by_path: dict[str, tuple[Any, DirectRead]] = {}

    def add(self, router: APIRouter, path: str, handler: DirectRead) -> None:
        """``handler`` answers ``router``'s GET route at ``path`` (included without a prefix; the route
        labels the metrics as if routed)."""
        route = next((r for r in router.routes if getattr(r, "path", None) == path
                      and "GET" in (getattr(r, "methods", None) or ())), None)
        if route is None:
            raise ValueError(f"no GET route {path} to answer directly")
        self._by_path[path] = (route, handler)

    def lookup(self, path: str) -> tuple[Any, DirectRead] | None:
        return self._by_path.get(path)


class RawReads:
    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._map: dict[tuple[str, bytes], tuple[Any, str, Authorize | None]] = {}

    def learn(self, scope: Scope, key: str) -> None:
        """An anonymous answer of a route without a flag (``ELIGIBLE``): replayed to anonymous GETs."""
        if scope.get(ELIGIBLE) is True:
            self._learn(scope, key, None)

    def learn_credentialed(self, scope: Scope, key: str) -> None:
        """An answer to an API key on a scope route (``AUTHORIZE``, set by its auth dependency), replayed to
        requests with credentials that pass that route's check. Only for a route whose answer does not
        depend on who calls it (only on whether they may): ``key`` must not name the caller."""
        authorize = scope.get(AUTHORIZE)
        if callable(authorize):
            self._learn(scope, key, authorize)

    def _learn(self, scope: Scope, key: str, authorize: Authorize | None) -> None:
        if scope.get("method") != "GET" or "route" not in scope:
            return
        raw = (scope["path"], scope.get("query_string", b""))
        entry = (scope["route"], key, authorize)
        if self._map.get(raw) == entry:
            return
        if raw not in self._map and len(self._map) >= self.size:
            self._map.pop(next(iter(self._map)))  # oldest first: dicts keep insertion order
        self._map[raw] = entry  # a new key for the URL (e.g. one naming the hour) replaces the old one

    def lookup(self, path: str, query: bytes) -> tuple[Any, str, Authorize | None] | None:
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
        if learned is None:
            direct = state.direct_reads.lookup(scope["path"])
            if direct is None:
                await self.app(scope, receive, send)
            else:
                await self._direct(scope, receive, send, *direct)
            return
        route, key, authorize = learned
        sent = {name for name, _ in scope["headers"] if name in _BYPASS}
        # Anonymous entries serve requests without credentials; credentialed ones (an API key on a scope
        # route) requests with them, through the route's own check; a conditional request never.
        if b"if-none-match" in sent or bool(sent) != (authorize is not None):
            await self.app(scope, receive, send)
            return
        found = cache.peek(key)
        if found is None or not found.body:  # stale version, evicted, or a cached 404: the route decides
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            if authorize is None:
                await alimit_ip(request, "default")
            elif not await authorize(request):  # e.g. a key this process has not verified lately
                await self.app(scope, receive, send)
                return
        except Problem as exc:
            scope["route"] = route
            await _answer_error(request, exc, scope, receive, send)
            return
        scope["route"] = route  # the metrics label, as if routed
        headers = [(b"content-length", str(len(found.body)).encode()), (b"content-type", b"application/json")]
        headers += [(k.lower().encode(), v.encode()) for k, v in
                    found.headers(state.settings.cache_max_age_seconds).items()]
        FAST_READS.inc()
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": found.body})

    async def _direct(self, scope: Scope, receive: Receive, send: Send, route: Any, handler: DirectRead) -> None:
        request = Request(scope, receive)
        scope["route"] = route  # the metrics label, as if routed (FastAPI sets it again if it takes over)
        try:
            response = await handler(request)
        except Exception as exc:
            await _answer_error(request, exc, scope, receive, send)
            return
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)


async def _answer_error(request: Request, exc: Exception, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer ``exc`` as the route would have: with the app's own handler (its Problem, validation and
    database ones), or re-raised to the server-error middleware when only the catch-all takes it."""
    handle = _handler_for(scope["app"], exc)
    if handle is None:
        raise exc
    response: Response = await handle(request, exc)
    await response(scope, receive, send)


def _handler_for(app: FastAPI, exc: Exception) -> Any:
    """The app's handler for ``exc`` (its Problem, validation and database handlers), the exception
    middleware's choice; None for the catch-all ``Exception`` one, which the outer middleware applies."""
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        if cls in app.exception_handlers:
            return app.exception_handlers[cls]
    return None
