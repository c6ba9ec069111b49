"""Governance on anvil: the Snapshot strategy endpoint (GET `api` and POST `api-post` shapes) answers
exactly the token's getPastVotes for random addresses and blocks, delegations and transfers included;
the feature flag removes every token-economy route."""

from __future__ import annotations

import random
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from tests.support.economy_env import EconomyEnv


def test_snapshot_strategy_equals_get_past_votes(env: EconomyEnv) -> None:
    p, client = env.p, env.client
    rng = random.Random(23)
    accounts = [p.admin, *p.users]
    first = p.w3.eth.block_number
    for _ in range(25):
        r = rng.random()
        if r < 0.4:
            p.tx(p.token.functions.delegate(rng.choice(accounts)), rng.choice(p.users[:5]))
        elif r < 0.85:
            p.transfers(1)
        else:
            p.tx(p.token.functions.mint(rng.choice(accounts), rng.randint(1, 10**20)), p.admin)
    env.index()
    last = p.w3.eth.block_number - 1
    checked = 0
    for _ in range(12):
        block = rng.randint(first, last)
        chosen = rng.sample(accounts, 4)
        expected = [p.token.functions.getPastVotes(a, block).call() for a in chosen]
        got = client.get("/v1/governance/votes", params={"network": "31337", "snapshot": str(block),
                                                         "addresses": ",".join(a.lower() for a in chosen)})
        assert got.status_code == 200, got.text
        assert [(s["address"], int(s["score"])) for s in got.json()["score"]] == list(zip(chosen, expected, strict=True))
        posted = client.post("/v1/governance/votes", json={"network": "31337", "snapshot": block, "addresses": chosen,
                                                           "options": {"api": "x", "symbol": "LNC", "decimals": 18}})
        assert posted.json()["score"] == got.json()["score"]
        checked += sum(1 for v in expected if v)
    assert checked > 0  # some of the probes had votes
    r = client.get("/v1/governance/votes", params={"chain": "anvil-1", "addresses": p.admin})
    assert client.get(str(r.url), headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    latest = r.json()
    assert latest["confirmed"] is True and latest["block"] <= last
    ahead = client.get("/v1/governance/votes", params={"chain": "anvil-1", "block": str(last + 1000),
                                                       "addresses": p.admin})
    assert ahead.status_code == 409 and ahead.json()["type"] == "/problems/not-indexed"
    for bad in ({"addresses": "0x12"}, {"addresses": ""}, {"addresses": p.admin, "block": "-1"},
                {"addresses": p.admin, "chain": "nowhere"}):
        r = client.get("/v1/governance/votes", params={"chain": "anvil-1", **bad})
        assert r.status_code == 422, (bad, r.text)


def test_token_economy_routes_are_gone_when_the_feature_is_off(env: EconomyEnv) -> None:
    settings = env.settings.model_copy(update={"enable_token_economy": False})
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        paths: dict[str, Any] = c.get("/openapi.json").json()["paths"]
        for method, path in (("GET", f"/v1/rewards/{env.p.admin}"), ("POST", "/v1/rewards/1/claim/prepare"),
                             ("POST", "/v1/admin/rewards/epochs"), ("GET", f"/v1/staking/{env.p.admin}"),
                             ("POST", "/v1/staking/stake/prepare"), ("GET", "/v1/governance/votes"),
                             ("POST", "/v1/governance/votes")):
            assert c.request(method, path, json={}).status_code == 404, path
        assert not [p for p in paths if p.startswith(("/v1/rewards", "/v1/staking", "/v1/governance",
                                                      "/v1/admin/rewards"))]
