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
from typing import Any

import httpx

from tests.support.rpc_server import ProxyServer, send_json

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
        self.server = ProxyServer(lambda handler, body: send_json(handler, 200, self.forward(body)))
        self.url = self.server.url

    def __enter__(self) -> ReorgProxy:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
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
