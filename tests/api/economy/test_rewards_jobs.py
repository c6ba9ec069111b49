"""The scheduler's ``rewards_epoch`` job (api.rewards.jobs) on anvil against the economy test database:
nothing is computed while the epoch is open in the confirmed index; once it closed, two ticks (two
replicas at once, then again) compute it exactly once; without an operator key it waits, unpublished,
for `lancer rewards publish`; with one it is published, and a run that failed to publish (the operator
lacked the LNC) is retried into exactly one publishRoot."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from eth_account import Account
from pydantic import SecretStr
from redis import Redis
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from web3 import Web3

from api import scheduler
from api.rewards import jobs, operator
from api.rewards.models import RewardsEpoch
from api.settings import ApiSettings
from indexer.core.errors import ConfigError
from tests.support.economy_env import EconomyEnv
from tests.support.reputation_env import completed_escrow

E18 = 10**18
HOUR = 3600


def _settings(env: EconomyEnv, **overrides: Any) -> ApiSettings:
    return env.settings.model_copy(update={"rewards_epoch_seconds": HOUR, **overrides})


def _chain_now(env: EconomyEnv) -> datetime:
    return datetime.fromtimestamp(env.p.w3.eth.get_block("latest")["timestamp"], UTC)


def _activity_in_fresh_epoch(env: EconomyEnv, s: ApiSettings, *, skip: int) -> int:
    """Warp ``skip`` seconds, then to just inside the next epoch (so the catch-up window holds no earlier
    test's activity), complete an escrow there and index it; the epoch's number (still open)."""
    env.eco.warp(skip)
    now = _chain_now(env)
    epoch = jobs.last_closed_epoch(s, now) + 2
    start, _ = jobs.epoch_bounds(s, epoch)
    env.eco.warp(int((start - now).total_seconds()) + 1)
    u = env.p.users
    completed_escrow(env.p, u[1], u[5], u[0], [3 * E18], submit=(0,))
    env.index()
    return epoch


def _rows(env: EconomyEnv, epoch: int) -> int:
    with Session(env.engine) as db:
        return int(db.scalar(select(func.count()).select_from(RewardsEpoch).where(RewardsEpoch.epoch == epoch)) or 0)


def _published_logs(env: EconomyEnv, epoch: int) -> int:
    return len(env.eco.distributor.events.RootPublished().get_logs(from_block=0, argument_filters={"epoch": epoch}))


def test_a_closed_epoch_is_computed_once_and_waits_for_publish(env: EconomyEnv) -> None:
    s = _settings(env)
    assert s.rewards_operator_private_key is None  # no key: compute only
    epoch = _activity_in_fresh_epoch(env, s, skip=5 * HOUR)

    # The scheduler's tick while the epoch is still open: the job runs, nothing has closed, nothing is stored.
    scheduler.load_hooks()
    outcomes = {o.job: o for o in scheduler.run_once(env.engine, _redis(s), s)
                or []}
    assert outcomes["rewards_epoch"].status == "ok" and outcomes["rewards_epoch"].result == 0
    assert _rows(env, epoch) == 0

    env.eco.warp(HOUR)
    env.index()  # the confirmed index now reaches past the epoch's end
    lock = {"k": jobs.lock_name(env.chain.chain_id, env.eco.distributor.address)}
    with env.engine.connect() as other:  # another replica in the middle of its sweep of this distributor
        other.execute(text("SELECT pg_advisory_lock(hashtext(:k))"), lock)
        assert jobs.sweep(env.engine, _redis(s), s) == 0 and _rows(env, epoch) == 0  # left to it
        other.execute(text("SELECT pg_advisory_unlock(hashtext(:k))"), lock)
        other.commit()
    results: list[int] = []
    barrier = threading.Barrier(2)

    def tick() -> None:
        barrier.wait()
        results.append(jobs.sweep(env.engine, _redis(s), s))

    replicas = [threading.Thread(target=tick) for _ in range(2)]
    for t in replicas:
        t.start()
    for t in replicas:
        t.join(120)
    assert sorted(results) == [0, 1] and _rows(env, epoch) == 1
    assert jobs.sweep(env.engine, _redis(s), s) == 0  # a later tick: already computed
    assert _rows(env, epoch) == 1

    start, end = jobs.epoch_bounds(s, epoch)
    with Session(env.engine) as db:
        (row,) = operator.status(db.connection(), db, _deployments(env), env.chain, epoch)
    assert (row["period_start"], row["period_end"]) == (start.isoformat(), end.isoformat())
    assert row["published"] is False and row["leaves"] == 2 and int(str(row["total"])) > 0
    assert _published_logs(env, epoch) == 0  # waiting for `lancer rewards publish` or the admin wallet


def test_with_an_operator_key_the_epoch_is_published_once_despite_a_retry(env: EconomyEnv) -> None:
    p, eco = env.p, env.eco
    op = Account.create()
    p.node.rpc("anvil_setBalance", [op.address, hex(10 * E18)])
    p.tx(eco.distributor.functions.grantRole(eco.distributor.functions.DISTRIBUTOR_ROLE().call(), op.address),
         p.admin)
    s = _settings(env, rewards_operator_private_key=SecretStr(Web3.to_hex(op.key)))
    epoch = _activity_in_fresh_epoch(env, s, skip=5 * HOUR)  # the first test's epoch is out of the 4-hour window
    env.eco.warp(HOUR)
    env.index()

    with pytest.raises(ConfigError, match="less than"):  # computed, but the operator holds no LNC yet
        jobs.sweep(env.engine, _redis(s), s)
    assert _rows(env, epoch) == 1 and _published_logs(env, epoch) == 0
    with Session(env.engine) as db:
        row = db.get(RewardsEpoch, (env.chain.chain_id, eco.distributor.address, epoch))
        assert row is not None
        total, root = int(row.total), row.root
    p.tx(p.token.functions.mint(op.address, total), p.admin)

    assert jobs.sweep(env.engine, _redis(s), s) == 1  # the retry: approve + publishRoot
    assert jobs.sweep(env.engine, _redis(s), s) == 0  # and again: already published, nothing sent
    assert _published_logs(env, epoch) == 1 and p.w3.eth.get_transaction_count(op.address) == 2
    assert "0x" + eco.distributor.functions.epochInfo(epoch).call()[0].hex() == root
    env.index()
    with Session(env.engine) as db:
        (status,) = operator.status(db.connection(), db, _deployments(env), env.chain, epoch)
    assert status["published"] is True
    assert jobs.sweep(env.engine, _redis(s), s) == 0  # indexed as published: not even looked at on-chain


def test_nothing_closed_or_no_distributor_is_skipped(env: EconomyEnv, tmp_path: Any) -> None:
    s = _settings(env)
    before = _count_all(env)
    env.eco.warp(5 * HOUR)  # closed, empty epochs: nobody earned, nothing is stored
    env.index()
    assert jobs.sweep(env.engine, _redis(s), s) == 0 and _count_all(env) == before
    # A chain whose deployment has no MerkleDistributor is skipped, not a failure.
    assert jobs.sweep(env.engine, _redis(s), s.model_copy(update={"deployments_dir": tmp_path})) == 0
    assert jobs.sweep(env.engine, _redis(s), s.model_copy(update={"enable_token_economy": False})) == 0


def _redis(s: ApiSettings) -> Redis:
    return Redis.from_url(s.redis_url.get_secret_value())


def _count_all(env: EconomyEnv) -> int:
    with Session(env.engine) as db:
        return int(db.scalar(select(func.count()).select_from(RewardsEpoch)) or 0)


def _deployments(env: EconomyEnv) -> Any:
    from api.kit.deployments import DeploymentDirectory

    return DeploymentDirectory(env.settings.deployments_dir)
