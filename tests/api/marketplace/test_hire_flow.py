"""The whole hire flow through the HTTP API against real anvil, PostgreSQL, Redis and the indexer:
post project -> propose -> accept -> prepare -> the client's key signs and sends -> the index sees it ->
contract funded/active -> submit -> release -> completed; and a reorg moving the state back and forth."""

from __future__ import annotations

from typing import Any

from web3 import Web3

from api.engagements import calldata
from devtools.accounts import local_dev_account
from tests.support.market_env import MarketEnv

LNC = 10**18
ARBITER = local_dev_account(3).address


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, (r.status_code, r.text[:500])
    return r.json()


def _hire(market: MarketEnv, client_h: dict[str, str], freelancer_h: dict[str, str], title: str) -> dict[str, Any]:
    c = market.client
    project = _ok(c.post("/v1/projects", headers={**client_h, "Idempotency-Key": "p-" + title.replace(" ", "-")}, json={
        "title": title, "description": "Audit a Solidity escrow and write the report", "skills": ["solidity"],
        "budget": str(3 * LNC), "chain": "anvil-1", "token": "LNC"}), 201)
    _ok(c.post(f"/v1/projects/{project['id']}/transition", headers=client_h, json={"to": "open"}))
    proposal = _ok(c.post(f"/v1/projects/{project['id']}/proposals", headers=freelancer_h, json={
        "cover_letter": "I audit escrows", "review_period_seconds": 3600,
        "milestones": [{"title": "Report", "amount": str(LNC)}, {"title": "Fix review", "amount": str(2 * LNC)}]}),
        201)
    contract = _ok(c.post(f"/v1/proposals/{proposal['id']}/accept", headers=client_h), 201)
    assert _ok(c.get(f"/v1/projects/{project['id']}", headers=client_h))["state"] == "in_progress"
    return contract


def test_hire_flow_follows_the_chain(market: MarketEnv) -> None:
    c = market.client
    client_acct, client_h = market.user(1, "clara")
    freelancer_acct, freelancer_h = market.user(2, "fred")
    _, other_h = market.user(4, "olga")
    contract = _hire(market, client_h, freelancer_h, "Escrow audit")
    cid = contract["id"]
    assert contract["state"] == "awaiting_funding" and contract["escrow"] is None
    assert contract["freelancer_address"] == freelancer_acct.address

    # Only the client prepares the escrow; strangers do not even see the contract.
    assert c.post(f"/v1/contracts/{cid}/escrow/prepare", headers=freelancer_h, json={"arbiter": ARBITER}).status_code == 403
    assert c.post(f"/v1/contracts/{cid}/escrow/prepare", headers=other_h, json={"arbiter": ARBITER}).status_code == 404
    assert c.get(f"/v1/contracts/{cid}").status_code == 401
    prepared = _ok(c.post(f"/v1/contracts/{cid}/escrow/prepare", headers=client_h,
                          json={"chain": "anvil-1", "token": "LNC", "arbiter": ARBITER}))
    txs = prepared["transactions"]
    assert [t["to"] for t in txs] == [market.platform.token.address, market.platform.factory.address,
                                      prepared["escrow_address"]]
    assert all(t["from"] == client_acct.address and t["chainId"] == 31337 and t["value"] == "0" for t in txs)
    # The predicted address is the factory's own prediction.
    predicted = market.platform.factory.functions.predictEscrowAddress(
        client_acct.address, bytes.fromhex(prepared["salt"][2:])).call()
    assert prepared["escrow_address"] == predicted

    for tx in txs:
        market.send(client_acct, tx)
    market.index()
    view = _ok(c.get(f"/v1/contracts/{cid}", headers=freelancer_h))
    assert view["state"] == "funded" and view["escrow"]["created"] is True
    assert view["pending"]["block"] == market.w3.eth.block_number
    assert view["confirmed"]["state"] == "awaiting_funding"  # not confirmed yet
    escrow = market.platform.escrow(prepared["escrow_address"])
    assert escrow.functions.metadataHash().call() == bytes.fromhex(prepared["metadata_hash"][2:])
    market.confirm()
    assert _ok(c.get(f"/v1/contracts/{cid}", headers=client_h))["confirmed"]["state"] == "funded"

    # The freelancer accepts: only the freelancer may prepare it.
    assert c.post(f"/v1/contracts/{cid}/actions/prepare", headers=client_h, json={"action": "accept"}).status_code == 403
    accept = _ok(c.post(f"/v1/contracts/{cid}/actions/prepare", headers=freelancer_h, json={"action": "accept"}))
    market.send(freelancer_acct, accept["transactions"][0])
    market.index()
    assert _ok(c.get(f"/v1/contracts/{cid}", headers=client_h))["state"] == "active"

    submit = _ok(c.post(f"/v1/contracts/{cid}/actions/prepare", headers=freelancer_h,
                        json={"action": "submit", "milestone": 0, "note": "report.pdf sha256 ..."}))
    market.send(freelancer_acct, submit["transactions"][0])
    market.index()
    view = _ok(c.get(f"/v1/contracts/{cid}", headers=client_h))
    assert [m["state"] for m in view["milestones"]] == ["submitted", "pending"]
    assert c.post(f"/v1/contracts/{cid}/actions/prepare", headers=freelancer_h,
                  json={"action": "release", "milestone": 0}).status_code == 403
    for index in (0, 1):
        release = _ok(c.post(f"/v1/contracts/{cid}/actions/prepare", headers=client_h,
                             json={"action": "release", "milestone": index}))
        market.send(client_acct, release["transactions"][0])
    market.confirm()
    view = _ok(c.get(f"/v1/contracts/{cid}", headers=client_h))
    assert view["state"] == "completed" and view["confirmed"]["state"] == "completed"
    assert [m["confirmed_state"] for m in view["milestones"]] == ["released", "released"]
    assert escrow.functions.completed().call()
    mine = _ok(c.get("/v1/contracts", headers=freelancer_h))["items"]
    assert [m["id"] for m in mine] == [cid]
    assert _ok(c.get("/v1/contracts", headers=other_h))["items"] == []


def test_reorg_moves_the_state_back_and_forth(market: MarketEnv) -> None:
    c = market.client
    client_acct, client_h = market.user(5, "rita")
    _, freelancer_h = market.user(6, "rob")
    cid = _hire(market, client_h, freelancer_h, "Reorg job")["id"]
    prepared = _ok(c.post(f"/v1/contracts/{cid}/escrow/prepare", headers=client_h, json={"arbiter": ARBITER}))
    for tx in prepared["transactions"]:
        market.send(client_acct, tx)
    market.index()
    assert _ok(c.get(f"/v1/contracts/{cid}", headers=client_h))["state"] == "funded"

    # The three transactions' blocks are replaced by empty ones: the index follows, and so does the state.
    market.platform.node.rpc("anvil_reorg", [3, []])
    market.index()
    view = _ok(c.get(f"/v1/contracts/{cid}", headers=client_h))
    assert view["state"] == "awaiting_funding" and view["escrow"]["created"] is False
    assert view["pending"]["block"] is None

    # Sent again (same prepared transactions): funded again.
    for tx in prepared["transactions"]:
        market.send(client_acct, tx)
    market.index()
    assert _ok(c.get(f"/v1/contracts/{cid}", headers=client_h))["state"] == "funded"


def test_predicted_address_matches_the_factory(market: MarketEnv) -> None:
    import uuid

    factory = market.platform.factory
    implementation = factory.functions.implementation().call()
    for i in range(5):
        creator = local_dev_account(i).address
        salt = calldata.engagement_salt(uuid.uuid4())
        expected = factory.functions.predictEscrowAddress(creator, salt).call()
        assert calldata.predict_escrow_address(factory.address, implementation, creator, salt) == expected
    assert Web3.is_checksum_address(expected)


def test_skill_verified_by_a_lancer_attestation(market: MarketEnv) -> None:
    c = market.client
    fl, fl_h = market.user(7, "vera")
    _, verifier_h = market.user(8, mfa=True)
    assert c.put("/v1/me/profile/skills/solidity", headers=fl_h, json={"level": 4, "years": 5}).status_code == 204
    assert c.put("/v1/me/profile/skills/rust", headers=fl_h, json={"level": 2}).status_code == 204
    before = {s["skill"]["slug"]: s["verified_status"] for s in _ok(c.get("/v1/profiles/vera/skills"))}
    assert before == {"solidity": "unverified", "rust": "unverified"}
    _ok(c.post("/v1/attestations/skills", headers=verifier_h, json={
        "recipient": fl.address, "skill": "solidity", "level": 3, "evidence": "reviewed two audits"}), 201)
    after = {s["skill"]["slug"]: (s["verified_status"], s["verified_level"])
             for s in _ok(c.get("/v1/profiles/vera/skills"))}
    assert after == {"solidity": ("verified", 3), "rust": ("unverified", None)}


def test_market_demo_populates_the_marketplace(market: MarketEnv) -> None:
    from scripts.market_demo import play_market_demo
    from tests.support.api_client import DOMAIN, URI

    p = market.platform
    p.tx(p.token.functions.mint(local_dev_account(1).address, 10_000 * LNC), p.admin)  # as the chain demo does
    demo = play_market_demo(market.client, market.w3, "anvil-1", domain=DOMAIN, uri=URI)
    assert len(demo.projects) == 3 and len(demo.proposals) == 3
    market.index()
    found = _ok(market.client.get("/v1/projects", params={"q": "solar"}))["items"]
    assert [p["id"] for p in found] == [demo.projects[2]]
    _, headers = market.user(1)
    view = _ok(market.client.get(f"/v1/contracts/{demo.contract}", headers=headers))
    assert view["state"] == "funded" and view["escrow"]["address"] == demo.escrow
