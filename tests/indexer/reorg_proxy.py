"""A pass-through JSON-RPC proxy between the indexer and anvil that can run an action (an
``anvil_reorg``, a mine) between any two of the indexer's requests.

Unlike ``faulty_rpc.FaultyProxy`` it never alters an answer: whatever the indexer sees is what the
node said at that moment, so every divergence it provokes is a real race a remote node can produce.
A hook sees each request before it is forwarded (``before``) and after its answer came back
(``after``); hooks run under one lock, so an injected action sits strictly between two requests.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

Calls = list[dict[str, Any]]
Hook = Callable[[str, Calls], None]  # (phase "before"/"after", the calls of one request)


def block_numbers(calls: Calls, method: str = "eth_getBlockByNumber") -> set[int]:
    """Block numbers (not tags) named by the calls of ``method`` in one request."""
    found: set[int] = set()
    for call in calls:
        params = call.get("params") or []
        if call.get("method") == method and params and isinstance(params[0], str) and params[0].startswith("0x"):
            found.add(int(params[0], 16))
    return found


def log_ranges(calls: Calls) -> list[tuple[int, int]]:
    """(fromBlock, toBlock) of each eth_getLogs by range in one request."""
    out = []
    for call in calls:
        if call.get("method") == "eth_getLogs":
            flt = call["params"][0]
            if "fromBlock" in flt:
                out.append((int(flt["fromBlock"], 16), int(flt["toBlock"], 16)))
    return out


class ReorgProxy:
    def __init__(self, upstream: str, *, latency: float = 0.0, seed: int = 0) -> None:
        self.upstream = upstream
        self.latency = latency  # upper bound of a random delay per request (a remote node's latency)
        self.rng = random.Random(seed)
        self.hooks: list[Hook] = []
        self.requests = 0
        self.lock = threading.RLock()
        self._client = httpx.Client(timeout=60)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                data = proxy.forward(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client killed mid-request (the tests SIGKILL indexers on purpose)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ReorgProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._client.close()

    def upstream_call(self, method: str, params: list[Any]) -> Any:
        reply = self._client.post(self.upstream, json={"jsonrpc": "2.0", "id": 1, "method": method,
                                                       "params": params}).json()
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def forward(self, body: Any) -> bytes:
        calls = body if isinstance(body, list) else [body]
        if self.latency:
            with self.lock:
                delay = self.rng.uniform(0, self.latency)
            time.sleep(delay)
        with self.lock:
            self.requests += 1
            for hook in list(self.hooks):
                hook("before", calls)
            data = self._client.post(self.upstream, content=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}).content
            for hook in list(self.hooks):
                hook("after", calls)
        return data
