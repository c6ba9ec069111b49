"""A small JSON-RPC proxy in front of anvil that misbehaves on purpose: drops connections, delays,
answers 429, refuses large getLogs ranges, and lies about one block's hash in getLogs answers."""

from __future__ import annotations

import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx

from tests.indexer.rpc_server import ProxyServer, send_json


class FaultyProxy:
    def __init__(self, upstream: str, *, seed: int = 0, drop: float = 0.05, delay: float = 0.05,
                 delay_seconds: float = 1.0, rate_limit: float = 0.08, max_log_range: int = 10,
                 lie_block: int | None = None, lies: int = 2) -> None:
        self.upstream = upstream
        self.rng = random.Random(seed)
        self.drop, self.delay, self.delay_seconds, self.rate_limit = drop, delay, delay_seconds, rate_limit
        self.max_log_range = max_log_range
        self.lie_block = lie_block
        self.lies_left = lies
        self.counts: dict[str, int] = {"drop": 0, "delay": 0, "429": 0, "range": 0, "lie": 0}
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=30)
        self.server = ProxyServer(self.handle)
        self.url = self.server.url

    def __enter__(self) -> FaultyProxy:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
        self._client.close()

    def _roll(self) -> float:
        with self._lock:
            return self.rng.random()

    def handle(self, handler: BaseHTTPRequestHandler, body: Any) -> None:
        r = self._roll()
        if r < self.drop:
            self.counts["drop"] += 1
            handler.close_connection = True
            handler.connection.close()  # no answer at all
            return
        if r < self.drop + self.rate_limit:
            self.counts["429"] += 1
            send_json(handler, 429, b'{"error":"rate limited"}', {"Retry-After": "0.05"})
            return
        if r < self.drop + self.rate_limit + self.delay:
            self.counts["delay"] += 1
            time.sleep(self.delay_seconds)
        calls = body if isinstance(body, list) else [body]
        for call in calls:
            if call.get("method") == "eth_getLogs":
                flt = call["params"][0]
                if int(flt["toBlock"], 16) - int(flt["fromBlock"], 16) + 1 > self.max_log_range:
                    self.counts["range"] += 1
                    error = {"jsonrpc": "2.0", "id": call["id"],
                             "error": {"code": -32005, "message": "query returned more than 10000 results"}}
                    send_json(handler, 200, json.dumps([error] if isinstance(body, list) else error).encode())
                    return
        reply = self._client.post(self.upstream, json=body).json()
        if self.lie_block is not None and self.lies_left > 0:
            items = reply if isinstance(reply, list) else [reply]
            for call, item in zip(calls, items):
                if call.get("method") == "eth_getLogs" and isinstance(item.get("result"), list):
                    for entry in item["result"]:
                        if int(entry["blockNumber"], 16) == self.lie_block:
                            entry["blockHash"] = "0x" + "ab" * 32
                            with self._lock:
                                self.lies_left -= 1
                                self.counts["lie"] += 1
        send_json(handler, 200, json.dumps(reply).encode())
