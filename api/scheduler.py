"""`lancer scheduler`: the periodic sweeps, run by one leader however many replicas are up.

Jobs (``JOBS``): the deletion sweep, the export purge, the audit retention, the API key usage flush, and
whatever domains ``register`` (rewards epochs, reputation recompute: see ``HOOK_MODULES``), each every
tick or at most once per ``every_seconds``. Every ``SCHEDULER_INTERVAL_SECONDS`` the process tries to take a
Redis lock (SET NX with an expiry, so a crashed leader's lock lapses; the leader renews it before each
sweep); the one that holds it runs every sweep once, each recorded in
``scheduler_runs`` (job, start, end, status, count, error type), and the others wait for the next tick.
A sweep that fails is recorded and logged (its error type only: network errors carry provider URLs) and
does not stop the others.
"""

from __future__ import annotations

import importlib
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from redis import Redis
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session as Db

from api.audit.models import SchedulerRun
from api.dashboard import volume as dashboard_volume
from api.identity import key_usage
from api.kit import outbox
from api.integrations import service as integrations
from api.integrations import usage as key_requests
from api.privacy import service as privacy
from api.settings import ApiSettings
from api.support import service as support

log = structlog.get_logger(__name__)

Sweep = Callable[[Engine, Redis, ApiSettings], int]


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    sweep: Sweep
    # None: every tick. Otherwise at most once per this many seconds, counted from the job's last
    # successful run in ``scheduler_runs`` (so the cadence survives restarts and leader changes).
    every_seconds: int | None = None


def _deletions(engine: Engine, redis: Redis, settings: ApiSettings) -> int:
    return sum(privacy.erase_user(engine, rid) for rid in privacy.due_deletions(engine))


def _outbox_prune(engine: Engine, redis: Redis, settings: ApiSettings) -> int:
    return outbox.prune(engine, timedelta(hours=settings.outbox_retention_hours),
                        timedelta(days=settings.outbox_max_age_days))


JOBS: dict[str, ScheduledJob] = {}


def register(name: str, sweep: Sweep, *, every_seconds: int | None = None) -> None:
    """Add a periodic job. Domains register theirs at import (e.g. ``rewards_epoch`` from the token
    economy, ``reputation_recompute`` from reputation), and ``lancer scheduler`` imports them
    (``HOOK_MODULES``)."""
    if not name.replace("_", "").isalnum() or len(name) > 64:
        raise ValueError(f"job name {name!r}: letters, digits and underscores, at most 64")
    JOBS[name] = ScheduledJob(name, sweep, every_seconds)


register("deletion_sweep", _deletions)
register("export_purge", lambda engine, redis, settings: privacy.purge_expired_exports(engine))
register("audit_retention",
         lambda engine, redis, settings: privacy.audit_retention(engine, settings.audit_retention_days))
register("apikey_usage_flush", key_usage.flush_usage)
register("outbox_prune", _outbox_prune)
register("webhook_log_retention", integrations.purge_delivery_log)
register("apikey_request_retention", key_requests.purge, every_seconds=3600)
# Every tick: one indexed query over the unsolved tickets not yet marked late, so a breach is seen within a tick.
register("support_sla_sweep", support.sla_sweep_job)
# Every tick: adds the newly confirmed blocks' escrow volume to the admin dashboard's rollup (few rows).
register("dashboard_volume_rollup", dashboard_volume.refresh_job)

# Modules that register jobs of their own when imported (hooks: rewards epochs, reputation recompute,
# the matching store's deletions log).
# A module that is not installed yet (its domain has not landed) is skipped.
HOOK_MODULES = ("api.rewards.jobs", "api.reputation.jobs", "api.matching.jobs", "api.projects.jobs")


def load_hooks() -> list[str]:
    loaded = []
    for module in HOOK_MODULES:
        try:
            hook = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module and not module.startswith(f"{exc.name}."):
                raise
            continue
        # A domain lists its jobs as data (SCHEDULE: (name, sweep, every_seconds)): it never imports the
        # scheduler, which sits above the domains in the layers (pyproject.toml, api-layers).
        for name, sweep, every in getattr(hook, "SCHEDULE", ()):
            register(name, sweep, every_seconds=every)
        loaded.append(module)
    return loaded


def _due(db: Db, job: ScheduledJob, now: datetime) -> bool:
    if job.every_seconds is None:
        return True
    last = db.scalar(select(func.max(SchedulerRun.started_at))
                     .where(SchedulerRun.job == job.name, SchedulerRun.status == "ok"))
    return last is None or (now - last).total_seconds() >= job.every_seconds


@dataclass(frozen=True)
class RunOutcome:
    job: str
    status: str
    result: int | None


def _now() -> datetime:
    return datetime.now(UTC)


def _run_one(engine: Engine, redis: Redis, settings: ApiSettings, name: str, sweep: Sweep) -> RunOutcome:
    with Db(engine, expire_on_commit=False) as db:
        run = SchedulerRun(job=name, started_at=_now(), status="running")
        db.add(run)
        db.commit()
        try:
            result: int | None = int(sweep(engine, redis, settings))
            run.status, run.result = "ok", result
        except Exception as exc:
            log.error("scheduled sweep failed", job=name, error=type(exc).__name__)
            run.status, run.error, result = "failed", type(exc).__name__[:200], None
        run.finished_at = _now()
        db.add(run)
        db.commit()
    log.info("scheduled sweep", job=name, status=run.status, result=result)
    return RunOutcome(name, run.status, result)


# Extend the lock only while this process still holds it (compare-and-expire).
_RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end return 0"


def run_once(engine: Engine, redis: Redis, settings: ApiSettings) -> list[RunOutcome] | None:
    """Run every sweep if this process wins the leader lock; None when another replica holds it."""
    lock_key = f"{settings.redis_key_prefix}scheduler:leader"
    token = uuid.uuid4().hex
    # The lock outlives one tick's work with a margin, and lapses if the leader dies mid-run.
    ttl = max(settings.scheduler_interval_seconds * 2, 60)
    if not redis.set(lock_key, token, nx=True, ex=ttl):
        return None
    try:
        with Db(engine) as db:
            due = [job for job in list(JOBS.values()) if _due(db, job, _now())]
        outcomes = []
        for job in due:
            # Renewed before each sweep, so a long tick keeps its lock; a leader whose lock lapsed (a stall
            # longer than the TTL) and was taken by another replica stops instead of running beside it.
            if not redis.eval(_RENEW, 1, lock_key, token, ttl):
                log.warning("scheduler: leadership lost mid-tick; leaving the rest to the new leader", job=job.name)
                break
            outcomes.append(_run_one(engine, redis, settings, job.name, job.sweep))
        return outcomes
    finally:
        # Release only our own lock (compare-and-delete), never one a later leader took after expiry.
        redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
                   1, lock_key, token)


def run_forever(engine: Engine, redis: Redis, settings: ApiSettings, stop: threading.Event) -> None:
    while not stop.is_set():
        if run_once(engine, redis, settings) is None:
            log.debug("scheduler: another replica leads this tick")
        stop.wait(settings.scheduler_interval_seconds)
