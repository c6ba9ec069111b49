"""Escrow-as-a-service through the HTTP API against real anvil, PostgreSQL, Redis and the indexer: an
integrating platform's API key creates an intent, a test wallet sends the prepared transactions, the
index sees them, the intent reads funded with its timeline; a reorg retracts; the outbox announces every
change once; scopes and owners are enforced."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from api.escrow_service.sync import sync_once
from devtools.accounts import local_dev_account
from tests.support.api_client import bearer, login
from tests.support.market_env import MarketEnv

ETH = 10**18
CLIENT, FREELANCER, ARBITER = local_dev_account(2), local_dev_account(3), local_dev_account(4)


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, (r.status_code, r.text[:500])
    return r.json()


def _key(market: MarketEnv, index: int, scopes: list[str]) -> dict[str, str]:
    _, h = market.user(index)
    created = _ok(market.client.post("/v1/me/api-keys", headers=h, json={"name": "platform", "scopes": scopes}), 201)
    return {"X-API-Key": created["key"]}


def _body(external_id: str, amounts: tuple[int, ...] = (ETH, 2 * ETH)) -> dict[str, Any]:
    return {"external_id": external_id, "chain": "anvil-1", "token": "native", "client_address": CLIENT.address,
            "freelancer_address": FREELANCER.address, "arbiter": ARBITER.address, "review_period_seconds": 3600,
            "milestones": [{"title": f"m{i}", "amount": str(a)} for i, a in enumerate(amounts)]}


def _outbox(market: MarketEnv, intent_id: str) -> list[tuple[str, str]]:
    with market.engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, payload->>'state' FROM outbox_events WHERE subject = :s ORDER BY id"),
                            {"s": f"escrow-intent:{intent_id}"}).all()
    return [(r[0], r[1]) for r in rows]


def test_intent_funded_through_the_index_and_retracted_by_a_reorg(market: MarketEnv) -> None:
    c = market.client
    writer = _key(market, 1, ["write:escrows"])
    created = _ok(c.post("/v1/escrow-intents", headers={**writer, "Idempotency-Key": "order-1"},
                         json=_body("order-1")), 201)
    iid = created["id"]
    assert created["state"] == "awaiting_funding" and created["created"] is False and created["total"] == str(3 * ETH)
    prepared = created["prepared"]
    txs = prepared["transactions"]
    factory = market.platform.factory
    assert [t["to"] for t in txs] == [factory.address, created["escrow_address"]]
    assert all(t["from"] == CLIENT.address and t["chainId"] == 31337 for t in txs)
    assert txs[1]["value"] == str(3 * ETH)  # native: fund carries the total
    assert created["escrow_address"] == factory.functions.predictEscrowAddress(
        CLIENT.address, bytes.fromhex(prepared["salt"][2:])).call()

    # Idempotency: the same key and body replays; the same key with another body is refused; the
    # external_id is unique per key owner.
    again = c.post("/v1/escrow-intents", headers={**writer, "Idempotency-Key": "order-1"}, json=_body("order-1"))
    assert again.status_code == 201 and again.json()["id"] == iid and again.headers["idempotent-replayed"] == "true"
    assert c.post("/v1/escrow-intents", headers={**writer, "Idempotency-Key": "order-1"},
                  json=_body("order-2")).status_code == 422
    dup = c.post("/v1/escrow-intents", headers=writer, json=_body("order-1"))
    assert dup.status_code == 409 and dup.json()["type"].endswith("duplicate-external-id")
    sync_once(market.engine)
    assert _outbox(market, iid) == [("escrow_intent.created", "awaiting_funding")]

    for tx in txs:
        market.send(CLIENT, tx)
    market.index()
    view = _ok(c.get(f"/v1/escrow-intents/{iid}", headers=writer))
    assert view["state"] == "funded" and view["created"] is True
    assert view["pending"]["block"] == market.w3.eth.block_number
    assert view["confirmed"]["state"] == "awaiting_funding"
    timeline = _ok(c.get(f"/v1/escrow-intents/{iid}/timeline", headers=writer))
    assert [(e["event"], e["confirmed"]) for e in timeline["events"]][-1] == ("Funded", False)
    assert "EscrowCreated" in [e["event"] for e in timeline["events"]]
    sync_once(market.engine)
    assert _outbox(market, iid)[-1] == ("escrow_intent.pending", "funded")
    assert sync_once(market.engine) == 0  # nothing new: nothing announced twice

    # The reorg replaces both blocks: the intent goes back, and the outbox says so.
    market.platform.node.rpc("anvil_reorg", [2, []])
    market.index()
    view = _ok(c.get(f"/v1/escrow-intents/{iid}", headers=writer))
    assert view["state"] == "awaiting_funding" and view["created"] is False
    assert _ok(c.get(f"/v1/escrow-intents/{iid}/timeline", headers=writer))["events"] == []
    sync_once(market.engine)
    assert _outbox(market, iid)[-1] == ("escrow_intent.retracted", "awaiting_funding")

    # Sent again, then confirmed: pending and confirmed are announced.
    for tx in txs:
        market.send(CLIENT, tx)
    market.confirm()
    view = _ok(c.get(f"/v1/escrow-intents/{iid}", headers=writer))
    assert view["state"] == "funded" and view["confirmed"]["state"] == "funded"
    assert all(e["confirmed"] for e in _ok(c.get(f"/v1/escrow-intents/{iid}/timeline", headers=writer))["events"])
    sync_once(market.engine)
    assert [k for k, _ in _outbox(market, iid)] == [
        "escrow_intent.created", "escrow_intent.pending", "escrow_intent.retracted", "escrow_intent.pending",
        "escrow_intent.confirmed"]


def test_scopes_owners_and_pages(market: MarketEnv) -> None:
    c = market.client
    writer = _key(market, 5, ["write:escrows"])
    reader = _key(market, 5, ["read:escrows"])
    chain_only = _key(market, 5, ["read:chain"])
    stranger = _key(market, 6, ["write:escrows", "read:escrows"])
    ids = [_ok(c.post("/v1/escrow-intents", headers=writer, json=_body(f"p-{i}")), 201)["id"] for i in range(3)]

    assert c.post("/v1/escrow-intents", json=_body("x")).status_code == 401
    assert c.get("/v1/escrow-intents").status_code == 401
    assert c.get(f"/v1/escrow-intents/{ids[0]}").status_code == 401
    for h in (reader, chain_only):
        r = c.post("/v1/escrow-intents", headers=h, json=_body("x"))
        assert r.status_code == 403 and r.json()["type"].endswith("insufficient-scope"), r.text
    assert c.get("/v1/escrow-intents", headers=chain_only).status_code == 403
    assert c.get(f"/v1/escrow-intents/{ids[0]}/timeline", headers=chain_only).status_code == 403
    # Another owner's intent does not exist for them; their list is empty; their external ids are theirs.
    assert c.get(f"/v1/escrow-intents/{ids[0]}", headers=stranger).status_code == 404
    assert c.get(f"/v1/escrow-intents/{ids[0]}/timeline", headers=stranger).status_code == 404
    assert _ok(c.get("/v1/escrow-intents", headers=stranger))["items"] == []
    _ok(c.post("/v1/escrow-intents", headers=stranger, json=_body("p-0")), 201)

    # read:escrows reads; write:escrows implies it; a user token (the key's owner) works as well.
    _, owner_h = market.user(5)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = _ok(c.get("/v1/escrow-intents", headers=reader, params=params))
        seen += [i["id"] for i in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == ids[::-1]
    by_external = _ok(c.get("/v1/escrow-intents", headers=writer, params={"external_id": "p-1"}))["items"]
    assert [i["id"] for i in by_external] == [ids[1]]
    assert _ok(c.get(f"/v1/escrow-intents/{ids[2]}", headers=owner_h))["external_id"] == "p-2"
    assert c.get("/v1/escrow-intents", headers=reader, params={"cursor": "bogus"}).status_code == 400

    # Bad input is a problem document, never a 500.
    for bad in ({**_body("b1"), "milestones": [{"amount": "0"}]}, {**_body("b2"), "arbiter": CLIENT.address},
                {**_body("b3"), "chain": "nowhere"}, {**_body("b4"), "client_address": "0x123"},
                {**_body("b5"), "milestones": [{"amount": 5}]}):
        r = c.post("/v1/escrow-intents", headers=writer, json=bad)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text


def test_routes_are_gone_when_the_feature_is_off(market: MarketEnv) -> None:
    settings = market.client.app.state.settings.model_copy(update={"enable_escrow_service": False})
    with TestClient(create_app(settings)) as c:
        h = bearer(login(c, local_dev_account(7))["tokens"]["access_token"])
        assert not any(p.startswith("/v1/escrow-intents") for p in c.get("/openapi.json").json()["paths"])
        assert c.post("/v1/escrow-intents", headers=h, json=_body("off")).status_code == 404
        assert c.get("/v1/escrow-intents", headers=h).status_code == 404
