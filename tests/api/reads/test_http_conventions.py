"""Conventions: 422 problem+json on bad addresses, checksummed output, cursors round-trip, ETag 304,
Cache-Control, public_read limits, metrics and readiness."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.support.api_client import bearer, login
from tests.support.read_stack import Stack, get_ok

BAD = ["0x123", "0xZZZZ567890123456789012345678901234567890", "nothex",
       "0x70997970C51812dc3A010C7d01b50e0d17dc79c8"]  # the last: mixed case with a broken checksum


@pytest.mark.parametrize("bad", BAD)
def test_bad_addresses_are_422_problems(stack: Stack, bad: str) -> None:
    for url in (f"/v1/accounts/{bad}/balances", f"/v1/accounts/{bad}/transfers", f"/v1/escrows/31337/{bad}",
                f"/v1/carbon/accounts/{bad}", f"/v1/escrows?client={bad}", f"/v1/escrows?arbiter={bad}"):
        r = stack.client.get(url)
        assert r.status_code == 422, (url, r.status_code)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["status"] == 422


def test_unknown_chain_and_escrow(stack: Stack) -> None:
    r = stack.client.get("/v1/escrows", params={"chain": "nope"})
    assert r.status_code == 422 and r.json()["type"] == "/problems/unknown-chain"
    r = stack.client.get("/v1/escrows/31337/0x" + "11" * 20)
    assert r.status_code == 404 and r.json()["type"] == "/problems/escrow-not-found"
    r = stack.client.get("/v1/escrows/999999/0x" + "11" * 20)
    assert r.status_code == 404
    r = stack.client.get("/v1/escrows", params={"cursor": "garbage"})
    assert r.status_code == 400 and r.json()["type"] == "/problems/invalid-cursor"
    assert stack.client.get("/v1/escrows", params={"limit": 0}).status_code == 422
    assert stack.client.get("/v1/escrows", params={"limit": 10_000}).status_code == 422


def test_cursor_round_trip(stack: Stack) -> None:
    full = get_ok(stack.client, "/v1/escrows", params={"limit": 200})["items"]
    assert len(full) >= 6
    seen, cursor = [], None
    while True:
        page = get_ok(stack.client, "/v1/escrows", params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert len(page["items"]) <= 2
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [e["address"] for e in seen] == [e["address"] for e in full]
    client = stack.chains[31337].demo.accounts["client"]
    full_t = get_ok(stack.client, f"/v1/accounts/{client}/transfers", params={"limit": 200})["items"]
    seen_t, cursor = [], None
    while True:
        page = get_ok(stack.client, f"/v1/accounts/{client}/transfers",
                      params={"limit": 3, **({"cursor": cursor} if cursor else {})})
        seen_t += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen_t == full_t and len(full_t) > 3


def test_etag_and_304(stack: Stack) -> None:
    c = stack.chains[31337]
    url = f"/v1/escrows/31337/{c.demo.escrows['completed_lnc']}"
    stack.mine_confirmations(31337)
    r = stack.client.get(url)
    etag = r.headers["etag"]
    assert r.headers["cache-control"].startswith("public, max-age=")
    again = stack.client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert stack.client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    for path in ("/v1/chains", "/v1/treasury", "/v1/carbon/summary"):
        r = stack.client.get(path)
        assert stack.client.get(path, headers={"If-None-Match": r.headers["etag"]}).status_code == 304


def test_public_read_limits(stack: Stack) -> None:
    settings = stack.settings.model_copy(update={"ratelimit_ip_per_window": 3, "ratelimit_principal_per_window": 50,
                                                 "redis_key_prefix": stack.settings.redis_key_prefix + "rl:"})
    from eth_account import Account

    tokens = login(stack.client, Account.create(), chain_id=31337)["tokens"]
    made = stack.client.post("/v1/me/api-keys", headers=bearer(tokens["access_token"]),
                             json={"name": "reader", "scopes": ["read:escrows"]})
    assert made.status_code in (200, 201), made.text
    key = made.json()["key"]
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        statuses = [client.get("/v1/chains").status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
        # The per-IP bucket applies first, also to callers that send credentials (valid or not): sending
        # a made-up key must not be a way around it (issue 12 #9).
        assert client.get("/v1/chains", headers={"X-API-Key": "lnc_bogus_key"}).status_code == 429
        assert client.get("/v1/chains", headers=bearer(tokens["access_token"])).status_code == 429
    roomy = settings.model_copy(update={"ratelimit_ip_per_window": 100, "ratelimit_principal_per_window": 3,
                                        "redis_key_prefix": stack.settings.redis_key_prefix + "rl2:"})
    with TestClient(create_app(roomy), raise_server_exceptions=False) as client:
        assert client.get("/v1/chains", headers={"X-API-Key": "lnc_bogus_key"}).status_code == 401
        # Within the IP budget, a key (or a user token) also has its own per-principal limit.
        assert [client.get("/v1/escrows", headers={"X-API-Key": key}).status_code for _ in range(4)] == \
            [200, 200, 200, 429]
        assert client.get("/v1/chains", headers=bearer(tokens["access_token"])).status_code == 200
        r = client.get("/v1/chains", headers={"X-API-Key": key})  # key lacks read:chain
        assert r.status_code == 403 and r.json()["type"] == "/problems/insufficient-scope"


def test_openapi_marks_public_reads(stack: Stack) -> None:
    schema = get_ok(stack.client, "/openapi.json")
    op = schema["paths"]["/v1/escrows"]["get"]
    assert op["x-lancer-auth"] == {"kind": "public_read", "scope": "read:escrows", "optional": True}
    assert {} in op["security"]


def test_metrics_and_readiness(stack: Stack) -> None:
    stack.client.get("/v1/chains")
    stack.client.get("/v1/chains")
    text = stack.client.get("/metrics").text
    assert 'lancer_http_requests_total{method="GET",route="/v1/chains",status="200"}' in text
    assert 'lancer_http_request_duration_seconds_bucket{le="0.005",route="/v1/chains"}' in text
    assert "lancer_cache_hits_total" in text and "lancer_cache_misses_total" in text
    ready = stack.client.get("/health/readiness").json()
    assert ready["checks"]["indexer_lag"] == "ok" and set(ready["indexers"]) == {"anvil-1", "anvil-2"}
    strict = stack.settings.model_copy(update={"readiness_max_lag_seconds": 0.000001,
                                               "redis_key_prefix": stack.settings.redis_key_prefix + "rd:"})
    with TestClient(create_app(strict), raise_server_exceptions=False) as client:
        r = client.get("/health/readiness")
        assert r.status_code == 503 and r.json()["checks"]["indexer_lag"].endswith("behind")


def test_chains_and_deployments(stack: Stack) -> None:
    chains = {c["chain_id"]: c for c in get_ok(stack.client, "/v1/chains")["items"]}
    for cid, c in stack.chains.items():
        s = chains[cid]
        assert s["indexed"] and s["indexed_block"] <= s["head_block"]
        assert s["confirmed_block"] == s["head_block"] - 3
        assert s["carbon"]["source"]
    assert chains[1]["indexed"] is False
    deps = {d["chain_id"]: d for d in get_ok(stack.client, "/v1/web3/deployments")["items"]}
    for cid, c in stack.chains.items():
        contracts = {x["name"]: x["address"] for x in deps[cid]["contracts"]}
        assert contracts["LancerToken"] == c.lancer.token.address
        assert contracts["EscrowFactory"] == c.lancer.factory.address
    one = get_ok(stack.client, "/v1/web3/deployments", params={"chain": "anvil-2"})["items"]
    assert [d["chain_id"] for d in one] == [31338]
