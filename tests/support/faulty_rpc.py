"""A small JSON-RPC proxy in front of anvil that misbehaves on purpose: drops connections, delays,
answers 429, refuses large getLogs ranges, lies about one block's hash in getLogs answers, and omits
one block's logs from getLogs answers by range."""

from __future__ import annotations

import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx

from tests.support.rpc_server import ProxyServer, send_json


class FaultyProxy:
    def __init__(self, upstream: str, *, seed: int = 0, drop: float = 0.05, delay: float = 0.05,
                 delay_seconds: float = 1.0, rate_limit: float = 0.08, max_log_range: int = 10,
                 lie_block: int | None = None, lies: int = 2, omit_block: int | None = None,
                 omissions: int = 2) -> None:
        self.upstream = upstream
        self.rng = random.Random(seed)
        self.drop, self.delay, self.delay_seconds, self.rate_limit = drop, delay, delay_seconds, rate_limit
        self.max_log_range = max_log_range
        self.lie_block = lie_block
        self.lies_left = lies
        self.omit_block, self.omissions_left = omit_block, omissions
        self.counts: dict[str, int] = {"drop": 0, "delay": 0, "429": 0, "range": 0, "lie": 0, "omit": 0}
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
                if "fromBlock" in flt and int(flt["toBlock"], 16) - int(flt["fromBlock"], 16) + 1 > self.max_log_range:
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
        if self.omit_block is not None and self.omissions_left > 0:
            self._omit(calls, reply if isinstance(reply, list) else [reply])
        send_json(handler, 200, json.dumps(reply).encode())

    def _omit(self, calls: list[Any], items: list[Any]) -> None:
        for call, item in zip(calls, items):
            if call.get("method") != "eth_getLogs" or "fromBlock" not in call["params"][0]:
                continue
            result = item.get("result")
            if isinstance(result, list) and any(int(e["blockNumber"], 16) == self.omit_block for e in result):
                item["result"] = [e for e in result if int(e["blockNumber"], 16) != self.omit_block]
                with self._lock:
                    self.omissions_left -= 1
                    self.counts["omit"] += 1
