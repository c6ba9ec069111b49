"""Unauthenticated RPC work is bounded (issue 12, item 5): no hidden retries, one deadline, a cap on
checks in flight and a per-IP budget of its own."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from eth_account import Account
from fastapi.testclient import TestClient

from api.app import create_app
from indexer.core.registry import load_registry, registry_json, with_rpc_urls
from tests.support.api_client import build_message, new_nonce, sign
from tests.support.blackhole import Blackhole


def _contract_attempt(c: TestClient) -> Any:
    # A signature that is not the address' own key: only a contract could accept it, so the chain is asked.
    account = Account.create()
    message = build_message(account.address, new_nonce(c))
    return c.post("/v1/auth/siwe", json={"message": message, "signature": sign(Account.create(), message)})


def _app(settings_factory: Any, hole: Blackhole, **overrides: Any) -> TestClient:
    registry = with_rpc_urls(load_registry(), {31337: [hole.url]})
    overrides.setdefault("siwe_rpc_timeout_seconds", 1)
    settings = settings_factory(chain_registry_json=registry_json(registry), **overrides)
    return TestClient(create_app(settings))


def test_blackholed_rpc_is_tried_once_within_the_deadline(settings_factory: Any) -> None:
    hole = Blackhole()
    try:
        with _app(settings_factory, hole) as c:
            started = time.monotonic()
            r = _contract_attempt(c)
            elapsed = time.monotonic() - started
        assert r.status_code == 503 and r.json()["type"] == "/problems/siwe-rpc-unavailable"
        assert hole.url not in r.text
        assert hole.accepted == 1, hole.accepted  # before: 1 + web3's hidden retries
        assert elapsed < 3, elapsed
    finally:
        hole.close()


def test_checks_in_flight_are_capped(settings_factory: Any) -> None:
    hole = Blackhole()
    try:
        with _app(settings_factory, hole, rpc_unauthenticated_concurrency=1) as c:
            barrier = threading.Barrier(4)

            def go(_: int) -> str:
                barrier.wait()
                return str(_contract_attempt(c).json()["type"])

            with ThreadPoolExecutor(4) as pool:
                kinds = list(pool.map(go, range(4)))
        assert "/problems/rpc-busy" in kinds, kinds
        assert hole.accepted <= 2, hole.accepted
    finally:
        hole.close()


def test_rpc_paths_have_their_own_ip_budget(settings_factory: Any) -> None:
    hole = Blackhole()
    try:
        # Its own Redis prefix: the budget counts from zero whatever ran before.
        prefix = f"{settings_factory().redis_key_prefix}{uuid.uuid4().hex[:6]}:"
        with _app(settings_factory, hole, ratelimit_rpc_ip_per_window=2, siwe_rpc_timeout_seconds=0.3,
                  redis_key_prefix=prefix) as c:
            statuses = [_contract_attempt(c).status_code for _ in range(3)]
        assert statuses == [503, 503, 429], statuses
    finally:
        hole.close()
