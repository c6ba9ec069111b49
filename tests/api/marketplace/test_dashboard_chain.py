"""Dashboards over a real chain (anvil + Lancer + the indexer): escrow money and milestones come from the
index, pending until confirmed, and a screen never shows an older state of the money after the index
moved (its cache key carries the index version). The statement count stays flat as contracts grow."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from devtools.accounts import local_dev_account
from tests.support.market_env import MarketEnv
from tests.support.queries import count_queries, is_session_check

LNC = 10**18
ARBITER = local_dev_account(3).address


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, (r.status_code, r.text[:500])
    return r.json()


def _funded_contract(market: MarketEnv, client: tuple[Any, dict[str, str]], freelancer_h: dict[str, str],
                     title: str) -> dict[str, Any]:
    c = market.client
    acct, client_h = client
    project = _ok(c.post("/v1/projects", headers=client_h, json={
        "title": title, "description": "Audit", "skills": ["solidity"], "budget": str(3 * LNC),
        "chain": "anvil-1", "token": "LNC"}), 201)
    _ok(c.post(f"/v1/projects/{project['id']}/transition", headers=client_h, json={"to": "open"}))
    proposal = _ok(c.post(f"/v1/projects/{project['id']}/proposals", headers=freelancer_h, json={
        "cover_letter": "me", "review_period_seconds": 3600,
        "milestones": [{"title": "Report", "amount": str(LNC)}, {"title": "Fixes", "amount": str(2 * LNC)}]}), 201)
    contract = _ok(c.post(f"/v1/proposals/{proposal['id']}/accept", headers=client_h), 201)
    prepared = _ok(c.post(f"/v1/contracts/{contract['id']}/escrow/prepare", headers=client_h,
                          json={"chain": "anvil-1", "token": "LNC", "arbiter": ARBITER}))
    for tx in prepared["transactions"]:
        market.send(acct, tx)
    market.index()
    return {"id": contract["id"], "escrow": prepared["escrow_address"]}


def _act(market: MarketEnv, who: tuple[Any, dict[str, str]], cid: str, **body: Any) -> None:
    prepared = _ok(market.client.post(f"/v1/contracts/{cid}/actions/prepare", headers=who[1], json=body))
    market.send(who[0], prepared["transactions"][0])
    market.index()


def test_dashboards_follow_the_index(market: MarketEnv) -> None:
    c = market.client
    client = market.user(1, "dana")
    freelancer = market.user(2, "finn")
    contract = _funded_contract(market, client, freelancer[1], "Escrow audit")
    escrow = contract["escrow"]

    line = _ok(c.get("/v1/dashboard/client", headers=client[1]))["escrows"]
    assert [(e["address"], e["funded"], e["locked"], e["confirmed"]) for e in line] == [
        (escrow, str(3 * LNC), str(3 * LNC), False)]
    market.confirm()  # the index moved: the cached screen is not served again
    assert _ok(c.get("/v1/dashboard/client", headers=client[1]))["escrows"][0]["confirmed"] is True

    _act(market, freelancer, contract["id"], action="accept")
    _act(market, freelancer, contract["id"], action="submit", milestone=0, note="report")
    fl = _ok(c.get("/v1/dashboard/freelancer", headers=freelancer[1]))
    (active,) = fl["active_contracts"]
    assert active["escrow"] == escrow and active["locked"] == str(3 * LNC)
    nxt = active["next_milestone"]
    assert nxt["index"] == 0 and nxt["status"] == "submitted" and nxt["amount"] == str(LNC)
    approvals = _ok(c.get("/v1/dashboard/client", headers=client[1]))["escrows"][0]["pending_approvals"]
    assert [(a["index"], a["auto_release_at"]) for a in approvals] == [(0, nxt["auto_release_at"])]
    block_time = datetime.fromtimestamp(market.w3.eth.get_block("latest")["timestamp"]).astimezone()
    assert abs(datetime.fromisoformat(nxt["auto_release_at"]) - (block_time + timedelta(seconds=3600))) \
        < timedelta(seconds=5)
    assert fl["earnings"] == []

    _act(market, client, contract["id"], action="release", milestone=0)
    (earned,) = _ok(c.get("/v1/dashboard/freelancer", headers=freelancer[1]))["earnings"]
    assert earned["token"] == market.platform.token.address and not earned["confirmed"]
    assert 0 < int(earned["amount"]) <= LNC
    market.confirm()
    (settled,) = _ok(c.get("/v1/dashboard/freelancer", headers=freelancer[1]))["earnings"]
    assert settled["confirmed"] and settled["amount"] == earned["amount"]
    after = _ok(c.get("/v1/dashboard/freelancer", headers=freelancer[1]))["active_contracts"][0]
    assert after["next_milestone"]["index"] == 1 and after["locked"] == str(2 * LNC)
    invoices = _ok(c.get("/v1/dashboard/client", headers=client[1]))["invoices"]
    assert [(i["escrow"], i["index"], i["amount"]) for i in invoices] == [(escrow, 0, str(LNC))]

    admin_h = market.user(8, mfa=True)[1]
    admin = _ok(c.get("/v1/dashboard/admin", headers=admin_h))
    volume = [v for v in admin["volume"] if v["chain_id"] == 31337]
    assert [(v["token"], v["gmv"]) for v in volume] == [(market.platform.token.address, str(3 * LNC))]
    assert int(volume[0]["fees"]) == LNC - int(earned["amount"])
    assert [h["chain_id"] for h in admin["indexer"]] == [31337] and admin["indexer"][0]["lag_blocks"] == 0

    # Statement count with one contract, then with two more (cold: the index moved in between).
    def cold(path: str, headers: dict[str, str]) -> int:
        market.platform.node.mine(1)
        market.index()
        redis = c.app.state.redis  # type: ignore[attr-defined]
        for key in redis.scan_iter(f"{c.app.state.settings.redis_key_prefix}rep:*"):  # type: ignore[attr-defined]
            redis.delete(key)  # the reputation score's own cache: cold as well
        with count_queries(c.app.state.engine) as q:  # type: ignore[attr-defined]
            _ok(c.get(path, headers=headers))
        # Not the screen's: the version refreshes, and the session check (skipped while this process
        # remembers the token, which a write of this process interrupts: api.identity.sessioncache).
        return len([x for x in q.statements if "string_agg(chain_id" not in x and "feature_overrides" not in x
                    and not is_session_check(x)])

    screens = [("/v1/dashboard/freelancer", freelancer[1]), ("/v1/dashboard/client", client[1])]
    small = [cold(p, h) for p, h in screens]
    for title in ("Second", "Third"):
        _funded_contract(market, client, freelancer[1], title)
    large = [cold(p, h) for p, h in screens]
    assert large == small, (small, large)
    assert len(_ok(c.get("/v1/dashboard/client", headers=client[1]))["escrows"]) == 3
