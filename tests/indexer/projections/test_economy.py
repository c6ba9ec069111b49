"""Token economy projections on anvil: rewards epochs and claims, staking, LNC delegation; the index
equals the contracts (isClaimed, stakeOf/unbondingOf, getPastVotes), and a reorg removes a Claimed."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text

from contracts.merkle import build
from indexer.projections import rebuild
from tests.support.chain_oracle import assert_whole_index_equals_chain
from tests.support.chainkit import Platform
from tests.support.economy_chain import ECONOMY_TABLES, UNBONDING, deploy_economy
from tests.support.indexing import chain_config, sync

CONFIRMATIONS = 3


def test_rewards_staking_and_votes_indexed_equal_the_chain(
        fresh_engine: Engine, platform_factory: Callable[..., Platform], tmp_path: Path) -> None:
    p = platform_factory(31337, seed=11)
    eco = deploy_economy(p, tmp_path / "deployments")
    chain = chain_config(p.node, confirmations=CONFIRMATIONS)
    rng = random.Random(11)
    u = p.users
    # Delegation: self, to someone else, re-delegation; transfers move votes between delegates.
    p.tx(p.token.functions.delegate(u[0]), u[0])
    p.tx(p.token.functions.delegate(u[0]), u[1])
    p.tx(p.token.functions.delegate(u[2]), u[2])
    p.transfers(4)
    p.tx(p.token.functions.delegate(u[3]), u[1])
    tree = build([(u[0], 5 * 10**18), (u[1], 3 * 10**18), (u[2], 10**18)])
    eco.publish(1, tree)
    eco.claim(1, tree, 0)
    eco.claim(1, tree, 2, sender=u[4])  # anyone may send a claim; the leaf's account is paid
    eco.stake(u[0], 100 * 10**18)
    eco.fund(50 * 10**18, 3600)
    eco.stake(u[1], 40 * 10**18)
    eco.warp(600)
    p.tx(eco.staking.functions.claimRewards(), u[0])
    p.tx(eco.staking.functions.requestUnstake(30 * 10**18), u[0])
    p.tx(eco.staking.functions.requestUnstake(10 * 10**18), u[1])
    eco.warp(UNBONDING + 1)
    p.tx(eco.staking.functions.withdraw(), u[1])
    p.transfers(rng.randint(2, 5))
    sync(fresh_engine, chain, p)
    assert_whole_index_equals_chain(fresh_engine, p)
    with fresh_engine.connect() as conn:
        kinds = dict(conn.execute(text("SELECT kind, count(*) FROM staking_events GROUP BY kind")).all())
        assert kinds == {"staked": 2, "unstake_requested": 2, "withdrawn": 1, "reward_paid": 1}
        assert conn.execute(text("SELECT count(*) FROM reward_claims")).scalar() == 2
        assert conn.execute(text("SELECT count(*) FROM vote_delegations")).scalar() == 4

    def rows() -> dict[str, list[tuple[object, ...]]]:
        with fresh_engine.connect() as conn:
            return {t: sorted(tuple(r) for r in conn.execute(text(f"SELECT * FROM {t}"))) for t in ECONOMY_TABLES}

    before = rows()
    with fresh_engine.begin() as conn:  # `lancer index rebuild`: every projection replayed from the raw events
        rebuild(conn, p.node.chain_id)
    assert rows() == before


def test_reorg_removes_a_claimed(fresh_engine: Engine, platform_factory: Callable[..., Platform],
                                 tmp_path: Path) -> None:
    p = platform_factory(31337, seed=12)
    eco = deploy_economy(p, tmp_path / "deployments")
    chain = chain_config(p.node, confirmations=CONFIRMATIONS)
    tree = build([(p.users[0], 7), (p.users[1], 9)])
    eco.publish(3, tree)
    sync(fresh_engine, chain, p)
    eco.claim(3, tree, 1)
    sync(fresh_engine, chain, p)
    with fresh_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM reward_claims")).scalar() == 1
    assert eco.distributor.functions.isClaimed(3, 1).call()
    p.reorg(1)  # the claim's block is replaced by an empty one
    assert not eco.distributor.functions.isClaimed(3, 1).call()
    sync(fresh_engine, chain, p)
    with fresh_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM reward_claims")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM reward_epochs")).scalar() == 1
    assert_whole_index_equals_chain(fresh_engine, p)
