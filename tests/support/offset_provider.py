"""A real local HTTP server speaking the Patch-style orders API, checking every request it gets
(Bearer key, Idempotency-Key, JSON body) and answering like the provider; or failing on demand."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakePatch:
    base_url: str
    api_key: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # Idempotency-Key -> order
    fail_with: int | None = None  # answer this HTTP status instead
    problems: list[str] = field(default_factory=list)  # what was wrong with a request


def _handler(state: FakePatch, path_prefix: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            state.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            if self.path != f"{path_prefix}/v1/orders":
                state.problems.append(f"path {self.path}")
                return self._send(404, {"success": False, "error": "not found"})
            if self.headers.get("Authorization") != f"Bearer {state.api_key}":
                state.problems.append("authorization")
                return self._send(401, {"success": False, "error": "bad key"})
            key = self.headers.get("Idempotency-Key")
            if not key:
                state.problems.append("no Idempotency-Key")
            if body.get("unit") != "g" or not isinstance(body.get("amount"), int) or body["amount"] <= 0:
                state.problems.append(f"body {body}")
                return self._send(400, {"success": False, "error": "bad amount"})
            if state.fail_with is not None:
                # Error pages may echo secrets back; Lancer must never pass them on.
                return self._send(state.fail_with, {"success": False, "error": f"boom {state.base_url} {state.api_key}"})
            if key not in state.orders:
                oid = "ord_test_" + secrets.token_hex(6)
                state.orders[key or oid] = {"id": oid, "state": "placed", "amount": body["amount"], "unit": "g",
                                            "registry_url": f"https://registry.example.org/cert/{oid}",
                                            "metadata": body.get("metadata")}
            return self._send(201, {"success": True, "error": None, "data": state.orders[key or ""]})

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    return Handler


@contextmanager
def patch_server(api_key: str) -> Iterator[FakePatch]:
    prefix = "/tenant-" + secrets.token_hex(8)  # a secret path, like hosted URLs that embed a token
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    fake = FakePatch(f"http://127.0.0.1:{server.server_address[1]}{prefix}", api_key)
    server.RequestHandlerClass = _handler(fake, prefix)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
