"""Rewards epochs on a schedule, listed as data for ``lancer scheduler`` (api.scheduler.HOOK_MODULES).

Epoch ``n`` covers ``[REWARDS_EPOCH_ORIGIN + n * REWARDS_EPOCH_SECONDS, + REWARDS_EPOCH_SECONDS)`` (UTC; the
default origin is a Monday 00:00, so weekly epochs run Monday to Monday). On every chain where the
MerkleDistributor is deployed, the sweep computes each epoch that has closed *in the confirmed index*
(its end at or before the confirmed block's time, so it reads confirmed rows only) and is not computed
yet, looking back ``REWARDS_EPOCH_CATCHUP`` epochs so a scheduler that was down catches up. Computing is
the admin route's own ``service.compute_epoch``: an epoch number is computed once (the same period and
rules again return the stored epoch), serialised per distributor by an advisory lock so two replicas
never race on it. An epoch nobody earned anything in is skipped (there is nothing to publish).

Publishing needs the operator key: when ``REWARDS_OPERATOR_PRIVATE_KEY`` is set in the scheduler's
environment, the computed, unpublished epochs of the window are published with ``operator.publish``
(approve + publishRoot through the ``txonce`` journal: a retry or a second replica sends nothing twice).
Unset, they wait, computed, for ``lancer rewards publish`` or the admin wallet / multisig
(``lancer rewards status`` lists them with ``published: false``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import structlog
from redis import Redis
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session as Db

from api.kit.deployments import DeploymentDirectory
from api.kit.problems import Problem
from api.rewards import operator, service
from api.rewards.models import RewardsEpoch
from api.rewards.rules import load_rules
from api.rewards.schemas import EpochComputeIn
from api.settings import ApiSettings
from indexer import read_models
from indexer.core.errors import UnknownChainError
from indexer.core.registry import ChainConfig

log = structlog.get_logger(__name__)

# compute_epoch's refusals that mean "not this epoch (yet)", not a failure of the sweep.
_SKIPPED = {"empty-epoch", "period-not-confirmed", "not-indexed", "epoch-exists"}


def epoch_bounds(settings: ApiSettings, epoch: int) -> tuple[datetime, datetime]:
    period = timedelta(seconds=settings.rewards_epoch_seconds)
    start = settings.rewards_epoch_origin.astimezone(UTC) + epoch * period
    return start, start + period


def last_closed_epoch(settings: ApiSettings, at: datetime) -> int:
    """The latest epoch whose end is at or before ``at`` (-1 when none has closed)."""
    elapsed = int((at - settings.rewards_epoch_origin).total_seconds())
    return elapsed // settings.rewards_epoch_seconds - 1


def lock_name(chain_id: int, distributor: str) -> str:
    """The advisory lock (``hashtext``) one sweep of a distributor holds."""
    return f"rewards-epoch:{chain_id}:{distributor}"


def _compute_chain(engine: Engine, settings: ApiSettings, deployments: DeploymentDirectory,
                   chain: ChainConfig) -> tuple[int, list[int]]:
    """(epochs computed now, computed and unpublished epochs of the window) of one chain."""
    eco = service.economy_of(deployments, chain)
    key = {"k": lock_name(chain.chain_id, eco.distributor)}
    # One sweep per distributor at a time: the leader lock normally ensures it, this holds even if a stalled
    # leader's lock lapsed. A session lock on a connection of its own, since compute_epoch commits; a replica
    # that finds it taken leaves the epochs to the holder.
    with engine.connect() as lock:
        if not lock.execute(text("SELECT pg_try_advisory_lock(hashtext(:k))"), key).scalar_one():
            return 0, []
        try:
            computed, waiting = _compute_locked(engine, settings, deployments, chain, eco)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(hashtext(:k))"), key)
            lock.commit()
    return computed, waiting


def _compute_locked(engine: Engine, settings: ApiSettings, deployments: DeploymentDirectory, chain: ChainConfig,
                    eco: service.Economy) -> tuple[int, list[int]]:
    rules = load_rules(settings.rewards_rules_json)
    computed, waiting = 0, []
    with Db(engine) as db:
        try:
            confirmed = read_models.confirmed_period(db.connection(), chain.chain_id).confirmed_time
        except UnknownChainError:
            return 0, []
        if confirmed is None:
            return 0, []
        last = last_closed_epoch(settings, confirmed)
        published = set(read_models.published_epochs(db.connection(), chain.chain_id, eco.distributor))
        for epoch in range(max(0, last - settings.rewards_epoch_catchup + 1), last + 1):
            start, end = epoch_bounds(settings, epoch)
            row = db.get(RewardsEpoch, (chain.chain_id, eco.distributor, epoch))
            if row is None and epoch not in published:
                body = EpochComputeIn(chain=str(chain.chain_id), epoch=epoch, period_start=start, period_end=end)
                try:
                    service.compute_epoch(db, deployments, rules, chain, body, None)
                except Problem as exc:
                    db.rollback()
                    if exc.type_ not in _SKIPPED:
                        raise
                    if exc.type_ == "epoch-exists":  # a manual epoch took this number: never overwritten
                        log.warning("rewards epoch number taken by another period", chain=chain.name, epoch=epoch)
                    continue
                computed += 1
                log.info("rewards epoch computed", chain=chain.name, epoch=epoch)
                row = db.get(RewardsEpoch, (chain.chain_id, eco.distributor, epoch))
            # Only the schedule's own epochs are published by it, never a manual one with this number.
            if row is not None and epoch not in published and (row.period_start, row.period_end) == (start, end):
                waiting.append(epoch)
        db.commit()
    return computed, waiting


def sweep(engine: Engine, redis: Redis, settings: ApiSettings) -> int:
    """Compute (and, with an operator key, publish) the closed epochs of every chain; the number of epochs
    computed plus the number of publishRoot transactions sent. A chain without the distributor is skipped;
    a chain that fails does not stop the others, and the first failure is raised at the end so the run is
    recorded as failed."""
    if not settings.enable_token_economy:
        return 0
    deployments = DeploymentDirectory(settings.deployments_dir)
    # Only an explicitly configured key publishes: outside production rewards_operator() falls back to the
    # deployer / anvil key, which must never sign on its own from a scheduler.
    account = settings.rewards_operator() if settings.rewards_operator_private_key is not None else None
    done, failure = 0, None
    for chain in settings.registry().chains:
        try:
            computed, waiting = _compute_chain(engine, settings, deployments, chain)
        except Exception as exc:  # noqa: BLE001 - recorded by type only; the next chain still runs
            if isinstance(exc, Problem) and exc.type_ == "not-deployed":
                continue
            log.error("rewards epoch sweep failed", chain=chain.name, error=type(exc).__name__)
            failure = failure or exc
            continue
        done += computed
        for epoch in waiting if account is not None else ():
            try:
                sent = operator.publish(engine, deployments, chain, epoch, account)
            except Exception as exc:  # noqa: BLE001 - e.g. the operator lacks the LNC; retried next run
                log.error("rewards epoch publish failed", chain=chain.name, epoch=epoch, error=type(exc).__name__)
                failure = failure or exc
                continue
            if any(s.what == "publishRoot" and s.status != "already" for s in sent):
                done += 1
                log.info("rewards epoch published", chain=chain.name, epoch=epoch)
    if failure is not None:
        raise failure
    return done


# Every 15 minutes: an epoch is computed within a quarter of an hour of its end being confirmed.
SCHEDULE = [("rewards_epoch", sweep, 900)]
