"""Rewards on anvil, through the API: an epoch computed from the confirmed index, its root published by
the admin wallet (the prepared transactions), a user's claim prepared and sent; the API, the index and
the contract's isClaimed agree. Authorization of every rewards route."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from api.rewards.rules import RewardRules
from tests.support.api_client import bearer, login
from tests.support.economy_env import EconomyEnv
from tests.support.reputation_env import completed_escrow
from eth_account import Account

E18 = 10**18


def _ts(env: EconomyEnv, block: int | str = "latest") -> datetime:
    return datetime.fromtimestamp(env.p.w3.eth.get_block(block)["timestamp"], UTC)


def _activity(env: EconomyEnv) -> tuple[datetime, datetime]:
    """Two completed escrows (LNC with submitted milestones, and native), indexed and confirmed; the period."""
    p = env.p
    u = p.users
    start = _ts(env) + timedelta(seconds=1)
    env.eco.warp(2)
    completed_escrow(p, u[0], u[1], u[2], [10 * E18, 5 * E18], submit=(0, 1))
    completed_escrow(p, u[3], u[1], u[2], [3 * E18], native=True)
    end = _ts(env) + timedelta(seconds=1)
    env.eco.warp(5)
    env.index()
    return start, end


def _compute(env: EconomyEnv, h: dict[str, str], epoch: int, start: datetime, end: datetime) -> Any:
    return env.client.post("/v1/admin/rewards/epochs", headers=h, json={
        "chain": "anvil-1", "epoch": epoch, "period_start": start.isoformat(), "period_end": end.isoformat()})


def test_epoch_published_and_claimed_index_api_and_contract_agree(env: EconomyEnv) -> None:
    p, eco, client = env.p, env.eco, env.client
    u = p.users
    start, end = _activity(env)
    admin = env.admin_headers()

    too_late = _compute(env, admin, 1, start, datetime.now(UTC) + timedelta(days=30))
    assert too_late.status_code == 409 and too_late.json()["type"] == "/problems/period-not-confirmed", too_late.text
    r = _compute(env, admin, 1, start, end)
    assert r.status_code == 200, r.text
    epoch = r.json()
    rules = RewardRules()
    # u0: client of one completed escrow; u1: freelancer of two, 2 delivered milestones, LNC fee rebate
    # (volume 15 LNC: no volume tier, no stake); u3: client of the native escrow.
    expected = {u[0]: 10 * E18, u[1]: (2 * 10 + 2 * 3) * E18, u[3]: 10 * E18}
    assert rules.points.completed_contract == 10 and rules.points.on_time_milestone == 3
    assert epoch["leaf_count"] == 3 and int(epoch["total"]) == sum(expected.values())
    assert epoch["published"] is False and len(epoch["publish_transactions"]) == 2
    assert {t["from"] for t in epoch["publish_transactions"]} == {p.admin}
    # The same request again is the same epoch; the same number for another period is refused.
    again = _compute(env, admin, 1, start, end)
    assert again.status_code == 200 and again.json()["root"] == epoch["root"]
    other = _compute(env, admin, 1, start - timedelta(seconds=1), end)
    assert other.status_code == 409 and other.json()["type"] == "/problems/epoch-exists"

    mine = client.get(f"/v1/rewards/{u[1].lower()}").json()
    assert [(i["epoch"], int(i["amount"]), i["published"], i["claimed"]) for i in mine["items"]] == [
        (1, expected[u[1]], False, False)]
    nothing = client.post("/v1/rewards/1/claim/prepare", headers=env.headers(4), json={"chain": "anvil-1"})
    assert nothing.status_code == 404, nothing.text  # users[4] earned nothing
    h = env.headers(0)  # users[0]
    early = client.post("/v1/rewards/1/claim/prepare", headers=h, json={"chain": "anvil-1"})
    assert early.status_code == 409 and early.json()["type"] == "/problems/not-published", early.text

    p.tx(p.token.functions.mint(p.admin, int(epoch["total"])), p.admin)  # the treasury's LNC, in the admin wallet
    for tx in epoch["publish_transactions"]:  # the admin wallet signs what the API prepared
        env.send(tx)
    env.index()
    assert eco.distributor.functions.epochInfo(1).call()[0].hex() == epoch["root"][2:]
    got = client.get("/v1/admin/rewards/epochs/anvil-1/1", headers=admin).json()
    assert got["published"] is True and got["publish_transactions"] == []

    prepared = client.post("/v1/rewards/1/claim/prepare", headers=h, json={"chain": "anvil-1"})
    assert prepared.status_code == 200, prepared.text
    (claim_tx,) = prepared.json()["transactions"]
    assert claim_tx["from"] == u[0] and claim_tx["to"] == eco.distributor.address
    before = p.token.functions.balanceOf(u[0]).call()
    receipt = env.send(claim_tx)
    assert p.token.functions.balanceOf(u[0]).call() == before + expected[u[0]]
    env.index()

    for account in expected:
        (item,) = client.get(f"/v1/rewards/{account}").json()["items"]
        assert item["claimed"] == eco.distributor.functions.isClaimed(1, item["leaf_index"]).call(), account
        assert item["claimed"] == (account == u[0])
    (item,) = client.get(f"/v1/rewards/{u[0]}?chain=anvil-1").json()["items"]
    assert item["claim_tx"] == receipt["transactionHash"].to_0x_hex() and item["claim_confirmed"] is True
    twice = client.post("/v1/rewards/1/claim/prepare", headers=h, json={"chain": "anvil-1"})
    assert twice.status_code == 409 and twice.json()["type"] == "/problems/already-claimed"


def test_rewards_authorization(env: EconomyEnv) -> None:
    client = env.client
    stranger = bearer(login(client, Account.create())["tokens"]["access_token"])
    body = {"chain": "anvil-1", "epoch": 99, "period_start": "2026-01-01T00:00:00Z",
            "period_end": "2026-01-02T00:00:00Z"}
    # Admin routes: no credentials 401, a user 403.
    assert client.post("/v1/admin/rewards/epochs", json=body).status_code == 401
    assert client.post("/v1/admin/rewards/epochs", json=body, headers=stranger).status_code == 403
    assert client.get("/v1/admin/rewards/epochs/anvil-1/1", headers=stranger).status_code == 403
    # Claim prepare: a user, for their own wallets only.
    assert client.post("/v1/rewards/1/claim/prepare", json={"chain": "anvil-1"}).status_code == 401
    other = client.post("/v1/rewards/1/claim/prepare", headers=stranger,
                        json={"chain": "anvil-1", "account": env.p.users[0]})
    assert other.status_code == 422 and other.json()["type"] == "/problems/not-your-wallet"
    # Reading rewards is public; bad input is a 422, not a 500.
    assert client.get(f"/v1/rewards/{env.p.users[0]}").status_code == 200
    assert client.get("/v1/rewards/0x123").status_code == 422
    bad = client.post("/v1/rewards/1/claim/prepare", headers=stranger, json={"chain": "nope"})
    assert bad.status_code == 422


def test_stake_raises_the_fee_rebate_tier(env: EconomyEnv) -> None:
    """A freelancer with 1k LNC staked gets the stake tier's share of the LNC fee their escrow paid."""
    p, eco = env.p, env.eco
    u = p.users
    p.tx(p.token.functions.mint(u[6], 1_000 * E18), p.admin)
    eco.stake(u[6], 1_000 * E18)
    env.index()
    start = _ts(env) + timedelta(seconds=1)
    env.eco.warp(2)
    escrow, _ = completed_escrow(p, u[4], u[6], u[2], [20 * E18])
    fee = p.escrow(escrow).functions.totals().call()[3]
    end = _ts(env) + timedelta(seconds=1)
    env.eco.warp(5)
    env.index()
    r = _compute(env, env.admin_headers(), 7, start, end)
    assert r.status_code == 200, r.text
    (item,) = env.client.get(f"/v1/rewards/{u[6]}").json()["items"]
    rules = RewardRules()
    assert fee > 0 and item["breakdown"]["stake"] == str(1_000 * E18) and item["breakdown"]["rebate_bps"] == 1_500
    assert int(item["rebate"]) == fee * 1_500 // 10_000
    assert int(item["amount"]) == rules.points.completed_contract * E18 + int(item["rebate"])
