"""Outbox events of the token economy on anvil + the in-process indexer: a stake change and a rewards
claim become ``staking.change.*`` / ``rewards.claim.*`` events, pending then confirmed, addressed to the
account's Lancer user; a pending stake removed by a real reorg (anvil_reorg) is retracted; a second pass
emits nothing twice."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from api.rewards.feed import poll_once
from contracts.merkle import build
from tests.support.economy_env import EconomyEnv
from tests.support.indexing import sync

E18 = 10**18


def _events(env: EconomyEnv, account: str) -> list[Any]:
    with env.engine.connect() as conn:
        return conn.execute(text("SELECT kind, payload, audience FROM outbox_events WHERE subject = :s ORDER BY id"),
                            {"s": f"account:{env.chain.chain_id}:{account}"}).all()


def _user_id(env: EconomyEnv, account: str) -> str:
    with env.engine.connect() as conn:
        return str(conn.execute(text("SELECT user_id FROM user_wallets WHERE address = :a"), {"a": account}).scalar_one())


def test_claims_and_stake_changes_reach_the_outbox(env: EconomyEnv) -> None:
    p, eco = env.p, env.eco
    account = p.users[3]
    env.headers(3)  # signs in: the wallet is linked to a Lancer user, the events' audience
    uid = _user_id(env, account)
    env.index()
    poll_once(env.engine)  # whatever earlier tests left
    seen = len(_events(env, account))

    p.tx(p.token.functions.mint(account, 100 * E18), p.admin)
    eco.stake(account, 30 * E18)
    sync(env.engine, env.chain, p)  # the stake is the head: pending
    first = poll_once(env.engine)
    assert first.emitted["pending"] >= 1 and first.emitted["retracted"] == 0
    new = _events(env, account)[seen:]
    assert [(e.kind, e.payload["change"]) for e in new] == [("staking.change.pending", "staked")]
    assert new[0].payload["args"]["amount"] == str(30 * E18) and new[0].payload["contract"] == eco.staking.address
    assert [str(u) for u in new[0].audience] == [uid]
    assert poll_once(env.engine).emitted == {"pending": 0, "confirmed": 0, "retracted": 0}  # idempotent

    env.index()
    assert poll_once(env.engine).emitted["confirmed"] >= 1
    assert [e.kind for e in _events(env, account)[seen:]] == ["staking.change.pending", "staking.change.confirmed"]

    # An unstake request indexed while pending, then reorganized away: retracted.
    p.tx(eco.staking.functions.requestUnstake(10 * E18), account)
    sync(env.engine, env.chain, p)
    assert poll_once(env.engine).emitted["pending"] == 1
    p.node.rpc("anvil_reorg", [1, []])  # the request's block becomes an empty block
    p.node.rpc("anvil_mine", ["0x1"])
    sync(env.engine, env.chain, p)
    gone = poll_once(env.engine)
    assert gone.emitted["retracted"] == 1 and gone.emitted["pending"] == 0
    assert [(e.kind, e.payload["change"]) for e in _events(env, account)[-2:]] == [
        ("staking.change.pending", "unstake_requested"), ("staking.change.retracted", "unstake_requested")]
    assert eco.staking.functions.stakeOf(account).call() >= 30 * E18  # the chain agrees: no request happened

    # A rewards claim, indexed once confirmed: one confirmed event with the claim's figures.
    tree = build([(account, 7 * E18), (p.users[6], E18)])
    eco.publish(917, tree)
    index = next(i for i, c in tree.claims.items() if c.account == account)
    eco.claim(917, tree, index)
    env.index()
    assert poll_once(env.engine).emitted["confirmed"] >= 1
    claim = _events(env, account)[-1]
    assert (claim.kind, claim.payload["change"]) == ("rewards.claim.confirmed", "claimed")
    assert claim.payload["args"]["amount"] == str(7 * E18) and claim.payload["args"]["epoch"] == "917"
    assert claim.payload["contract"] == eco.distributor.address and [str(u) for u in claim.audience] == [uid]
