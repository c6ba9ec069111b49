"""A local Sentry ingestion endpoint: accepts the SDK's envelopes (``POST /api/<project>/envelope/``,
gzip or brotli), parses the envelope format (header line, then item header + payload pairs) and keeps
each item for assertions. A DSN ``http://<key>@127.0.0.1:<port>/<project>`` points the real SDK at it."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.rpc_server import send_json


def parse_envelope(raw: bytes) -> tuple[dict[str, Any], list[tuple[dict[str, Any], bytes]]]:
    header_line, _, rest = raw.partition(b"\n")
    items: list[tuple[dict[str, Any], bytes]] = []
    while rest.strip():
        item_line, _, rest = rest.partition(b"\n")
        item = json.loads(item_line)
        if "length" in item:
            payload, rest = rest[:item["length"]], rest[item["length"]:]
            rest = rest[1:] if rest.startswith(b"\n") else rest
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((item, payload))
    return json.loads(header_line), items


class SentryReceiver:
    def __init__(self, project: int = 42, key: str = "publickey") -> None:
        self.envelopes: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.auth: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                encoding = self.headers.get("Content-Encoding")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "br":
                    import brotli  # type: ignore[import-not-found]

                    body = brotli.decompress(body)
                if self.path != f"/api/{project}/envelope/":
                    self.send_response(404)
                    self.end_headers()
                    return
                header, items = parse_envelope(body)
                outer.raw.append(body)
                outer.auth.append(self.headers.get("X-Sentry-Auth", ""))
                outer.envelopes.append({"header": header, "items": [
                    {"type": item.get("type"), "payload": _decode(payload)} for item, payload in items]})
                reply = b'{"id": "' + str(header.get("event_id", "")).encode() + b'"}'
                send_json(self, 200, reply)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.dsn = f"http://{key}@127.0.0.1:{self.httpd.server_address[1]}/{project}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SentryReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def items(self, kind: str) -> list[dict[str, Any]]:
        return [i["payload"] for e in self.envelopes for i in e["items"] if i["type"] == kind]

    def wait_for(self, predicate: Callable[[SentryReceiver], bool], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return
            time.sleep(0.1)
        raise AssertionError(f"envelopes never matched: {[[i['type'] for i in e['items']] for e in self.envelopes]}")


def _decode(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return payload
