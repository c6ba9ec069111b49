"""A real HTTP server that receives webhooks the way a customer's endpoint would: it verifies every
request with the official ``standardwebhooks`` library, records what came in (in arrival order), and
answers from a script (status codes, or a stall longer than the sender's timeout)."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str
    verified_with: list[int]  # indexes of the path's secrets that verify this request

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def msg_id(self) -> str:
        return self.headers["webhook-id"]


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.secrets: dict[str, list[str]] = defaultdict(list)
        self.script: dict[str, deque[int | tuple[float, int]]] = defaultdict(deque)
        self.default_status: dict[str, int] = defaultdict(lambda: 200)
        self.lock = threading.Lock()
        self.base_url = ""

    def url(self, path: str) -> str:
        return self.base_url + path

    def on(self, path: str, *answers: int | tuple[float, int]) -> None:
        """Next answers for ``path``: a status code, or ``(seconds, status)`` to stall first."""
        self.script[path].extend(answers)

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path]

    def verified(self, path: str) -> list[Received]:
        return [r for r in self.at(path) if r.verified_with]

    def _answer(self, path: str) -> tuple[float, int]:
        with self.lock:
            queued = self.script[path]
            answer = queued.popleft() if queued else self.default_status[path]
        return answer if isinstance(answer, tuple) else (0.0, answer)

    def _record(self, path: str, headers: dict[str, str], body: str) -> None:
        verified = []
        for index, secret in enumerate(self.secrets.get(path, [])):
            try:
                Webhook(secret).verify(body, headers)
                verified.append(index)
            except Exception:
                pass
        with self.lock:
            self.received.append(Received(path, headers, body, verified))


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length).decode()
            headers = {k.lower(): v for k, v in self.headers.items()}
            stall, status = receiver._answer(self.path)
            if stall:
                time.sleep(stall)
            else:
                receiver._record(self.path, headers, body)
            try:
                payload = b"ok" if status < 300 else b"receiver error " + b"x" * 5000
                self.send_response(status)
                if status == 429:
                    self.send_header("retry-after", "1")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
