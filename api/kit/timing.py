"""One timing layer for every per-request observer (Prometheus metrics, API-key usage, ...).

The outermost ASGI middleware measures each HTTP request once, notes the response status, and hands
``(scope, status, seconds)`` to each listener after the response. Listeners run on the event loop after
every request: they must be cheap and must not do I/O (append to a buffer, bump a counter). A failing
listener is logged and never fails the request or the other listeners.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger(__name__)

Listener = Callable[[Scope, int, float], None]


def route_template(scope: Scope) -> str:
    """The matched route's path template (``/v1/escrows/{chain_id}/{address}``), or ``unmatched``: a
    bounded label, never the raw path."""
    return getattr(scope.get("route"), "path", None) or "unmatched"


class TimingMiddleware:
    def __init__(self, app: ASGIApp, listeners: Sequence[Listener] = ()) -> None:
        self.app = app
        self.listeners = tuple(listeners)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.listeners:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client sees when the app raises before starting a response

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            seconds = time.perf_counter() - started
            for listener in self.listeners:
                try:
                    listener(scope, status, seconds)
                except Exception:  # noqa: BLE001 - an observer must never turn a response into an error
                    log.warning("request listener failed", listener=getattr(listener, "__name__", "?"),
                                exc_info=True)
