"""Staking lifecycle on anvil through the API: stake (approve + stake prepared), rewards funded and
claimed, unstake requested, withdrawal refused while unbonding and prepared after; the position served
equals the contract's views. Authorization of the prepare route."""

from __future__ import annotations

from eth_account import Account

from tests.support.api_client import bearer, login
from tests.support.economy_chain import UNBONDING
from tests.support.economy_env import EconomyEnv

E18 = 10**18


def _position(env: EconomyEnv, account: str) -> dict[str, object]:
    r = env.client.get(f"/v1/staking/{account}?chain=anvil-1")
    assert r.status_code == 200, r.text
    (pos,) = r.json()["chains"]
    return pos  # type: ignore[no-any-return]


def _prepare(env: EconomyEnv, h: dict[str, str], action: str, amount: int | None = None) -> object:
    body: dict[str, object] = {"chain": "anvil-1"}
    if amount is not None:
        body["amount"] = str(amount)
    return env.client.post(f"/v1/staking/{action}/prepare", headers=h, json=body)


def test_staking_lifecycle(env: EconomyEnv) -> None:
    p, eco = env.p, env.eco
    staker = p.users[5]
    p.tx(p.token.functions.mint(staker, 500 * E18), p.admin)
    h = env.headers(5)
    env.index()
    assert _position(env, staker)["staked"] == "0"

    r = _prepare(env, h, "stake", 100 * E18)
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    approve, stake = r.json()["transactions"]  # type: ignore[attr-defined]
    assert approve["to"] == p.token.address and stake["to"] == eco.staking.address
    env.send(approve)
    env.send(stake)
    eco.fund(70 * E18, 3600)
    env.index()
    pos = _position(env, staker)
    assert int(pos["staked"]) == eco.staking.functions.stakeOf(staker).call() == 100 * E18  # type: ignore[arg-type]

    too_much = _prepare(env, h, "request_unstake", 101 * E18)
    assert too_much.status_code == 409 and too_much.json()["type"] == "/problems/insufficient-stake"  # type: ignore[attr-defined]
    nothing = _prepare(env, h, "withdraw")
    assert nothing.status_code == 409 and nothing.json()["type"] == "/problems/nothing-to-withdraw"  # type: ignore[attr-defined]
    eco.warp(600)
    (claim,) = _prepare(env, h, "claim").json()["transactions"]  # type: ignore[attr-defined]
    paid = eco.staking.events.RewardPaid().process_receipt(env.send(claim))[0]["args"]["amount"]
    (unstake,) = _prepare(env, h, "request_unstake", 40 * E18).json()["transactions"]  # type: ignore[attr-defined]
    env.send(unstake)
    env.index()
    pos = _position(env, staker)
    amount, unlock_at = eco.staking.functions.unbondingOf(staker).call()
    assert (int(pos["staked"]), int(pos["pending_unstake"])) == (60 * E18, amount) == (  # type: ignore[arg-type]
        eco.staking.functions.stakeOf(staker).call(), 40 * E18)
    assert int(pos["rewards_paid"]) == paid > 0  # type: ignore[arg-type]
    assert pos["withdrawable"] is False and pos["unlock_at"] is not None
    early = _prepare(env, h, "withdraw")
    assert early.status_code == 409 and early.json()["type"] == "/problems/still-unbonding"  # type: ignore[attr-defined]

    eco.warp(UNBONDING + 1)
    env.index()
    assert _position(env, staker)["withdrawable"] is True
    (withdraw,) = _prepare(env, h, "withdraw").json()["transactions"]  # type: ignore[attr-defined]
    before = p.token.functions.balanceOf(staker).call()
    env.send(withdraw)
    assert p.token.functions.balanceOf(staker).call() == before + 40 * E18
    env.index()
    pos = _position(env, staker)
    assert (pos["pending_unstake"], pos["unlock_at"], int(pos["withdrawn"])) == ("0", None, 40 * E18)  # type: ignore[arg-type]
    assert eco.staking.functions.unbondingOf(staker).call()[0] == 0


def test_staking_authorization_and_validation(env: EconomyEnv) -> None:
    client = env.client
    body = {"chain": "anvil-1", "amount": "1"}
    assert client.post("/v1/staking/stake/prepare", json=body).status_code == 401
    stranger = bearer(login(client, Account.create())["tokens"]["access_token"])
    other = client.post("/v1/staking/stake/prepare", headers=stranger, json=body | {"wallet": env.p.users[0]})
    assert other.status_code == 422 and other.json()["type"] == "/problems/not-your-wallet"
    h = env.headers(0)
    assert client.post("/v1/staking/stake/prepare", headers=h, json={"chain": "anvil-1"}).status_code == 422
    assert client.post("/v1/staking/withdraw/prepare", headers=h, json=body).status_code == 422
    assert client.post("/v1/staking/stake/prepare", headers=h, json={"chain": "anvil-1", "amount": 5}).status_code == 422
    assert client.post("/v1/staking/explode/prepare", headers=h, json=body).status_code == 422
    assert client.get("/v1/staking/0xnope").status_code == 422
    assert client.get(f"/v1/staking/{env.p.users[0]}").status_code == 200  # public read
