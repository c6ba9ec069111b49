"""A real local HTTP server standing in for an outside provider's API (Stripe, GitHub, Jira, ...): each
test registers answers per method and path, and reads back what the client under test sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support.rpc_server import send_json


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")


Answer = Callable[[Call], tuple[int, Any]]


class ProviderServer:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.routes: dict[tuple[str, str], Answer] = {}
        self.lock = threading.Lock()
        self.base_url = ""

    def on(self, method: str, path: str, answer: Answer | tuple[int, Any]) -> None:
        """Answer ``method path`` (exact path, or a prefix ending in ``*``) with a function or a fixed pair."""
        self.routes[(method, path)] = answer if callable(answer) else (lambda _c, a=answer: a)

    def _find(self, method: str, path: str) -> Answer | None:
        if (method, path) in self.routes:
            return self.routes[(method, path)]
        for (m, p), answer in self.routes.items():
            if m == method and p.endswith("*") and path.startswith(p[:-1]):
                return answer
        return None

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        body = handler.rfile.read(int(handler.headers.get("content-length") or 0))
        call = Call(method, parts.path, dict(parse_qsl(parts.query)),
                    {k.lower(): v for k, v in handler.headers.items()}, body)
        with self.lock:
            self.calls.append(call)
        answer = self._find(method, parts.path)
        status, data = answer(call) if answer else (404, {"error": "no such route"})
        send_json(handler, status, json.dumps(data).encode())


@contextmanager
def running_provider() -> Iterator[ProviderServer]:
    provider = ProviderServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            provider.handle(self, "GET")

        def do_POST(self) -> None:  # noqa: N802
            provider.handle(self, "POST")

        def do_PUT(self) -> None:  # noqa: N802
            provider.handle(self, "PUT")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    provider.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
