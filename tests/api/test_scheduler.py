"""The scheduler's jobs (issue 18): the built-in sweeps, hooks registered by domains (rewards epochs,
reputation recompute) with their own cadence, every run recorded in scheduler_runs."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from redis import Redis
from sqlalchemy import Engine, text

from api import scheduler
from api.settings import ApiSettings
from tests.support.processes import REPO, settings_env


@pytest.fixture
def hooks() -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        scheduler.JOBS.pop(name, None)


def test_the_jobs_include_the_sweeps_and_flush() -> None:
    assert {"deletion_sweep", "export_purge", "audit_retention", "apikey_usage_flush"} <= set(scheduler.JOBS)
    assert scheduler.HOOK_MODULES == ("api.rewards.jobs", "api.reputation.jobs", "api.matching.jobs", "api.projects.jobs")
    assert scheduler.load_hooks() == [m for m in scheduler.HOOK_MODULES if m in sys.modules]
    with pytest.raises(ValueError):
        scheduler.register("bad name!", lambda e, r, s: 0)


def test_hooks_run_at_their_cadence_and_every_run_is_recorded(engine: Engine, api_settings: ApiSettings,
                                                             redis_url: str, hooks: list[str]) -> None:
    calls: list[str] = []

    def epoch(engine: Engine, redis: Redis, settings: ApiSettings) -> int:
        calls.append("epoch")
        return 7

    def broken(engine: Engine, redis: Redis, settings: ApiSettings) -> int:
        raise ConnectionError("https://rpc.example/v3/secret unreachable")

    hooks += ["rewards_epoch", "reputation_recompute"]
    # The cadence starts from "never ran": earlier tests on this worker's database may have run the real
    # rewards_epoch hook (tests/conftest.py decides which tests share a worker).
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM scheduler_runs WHERE job IN ('rewards_epoch', 'reputation_recompute')"))
    scheduler.register("rewards_epoch", epoch, every_seconds=3600)
    scheduler.register("reputation_recompute", broken)
    redis = Redis.from_url(redis_url)
    first = {o.job: o for o in scheduler.run_once(engine, redis, api_settings) or []}
    assert first["rewards_epoch"].status == "ok" and first["rewards_epoch"].result == 7
    assert first["reputation_recompute"].status == "failed" and first["deletion_sweep"].status == "ok"
    second = {o.job for o in scheduler.run_once(engine, redis, api_settings) or []}
    assert "rewards_epoch" not in second and "reputation_recompute" in second  # the epoch is not due yet
    assert calls == ["epoch"]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT job, status, result, error, finished_at FROM scheduler_runs "
                                 "WHERE job IN ('rewards_epoch', 'reputation_recompute') ORDER BY id")).all()
    # Jobs run in registration order, and the real reputation hook may have been loaded first: compare as a set.
    assert sorted((r.job, r.status) for r in rows[-3:]) == [("reputation_recompute", "failed"),
                                                            ("reputation_recompute", "failed"), ("rewards_epoch", "ok")]
    assert all(r.finished_at is not None for r in rows)
    assert {r.error for r in rows if r.status == "failed"} == {"ConnectionError"}  # the type, never the URL


def test_lancer_scheduler_list(api_settings: ApiSettings) -> None:
    out = subprocess.run([sys.executable, "-m", "scripts.cli", "scheduler", "--list"], cwd=REPO,
                         env=settings_env(api_settings), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "deletion_sweep  every tick" in out.stdout and "apikey_usage_flush" in out.stdout


def test_one_leader_per_tick_across_replicas(engine: Engine, api_settings: ApiSettings, redis_url: str,
                                             hooks: list[str]) -> None:
    """Replicas racing for the same tick: exactly one runs the sweeps; while a leader holds the lock the
    others run nothing and record nothing; the lock is released after the tick."""
    import threading
    import time

    started = threading.Barrier(4)
    calls: list[str] = []

    def slow(engine: Engine, redis: Redis, settings: ApiSettings) -> int:
        # The leader's tick lasts until every other replica has tried (and failed) to lead it.
        calls.append(threading.current_thread().name)
        deadline = time.monotonic() + 30
        while len(results) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        return 1

    hooks.append("leader_probe")
    scheduler.register("leader_probe", slow)
    results: dict[str, object] = {}

    def replica(name: str) -> None:
        started.wait()
        results[name] = scheduler.run_once(engine, Redis.from_url(redis_url), api_settings)

    threads = [threading.Thread(target=replica, args=(f"replica-{i}",), name=f"replica-{i}") for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    leaders = [name for name, outcome in results.items() if outcome is not None]
    assert len(results) == 4 and len(leaders) == 1, results
    assert calls == leaders

    redis = Redis.from_url(redis_url)
    lock = f"{api_settings.redis_key_prefix}scheduler:leader"
    assert redis.get(lock) is None  # released after the tick
    redis.set(lock, "another-replica", ex=60)
    try:
        with engine.connect() as conn:
            before = conn.execute(text("SELECT count(*) FROM scheduler_runs")).scalar_one()
        assert scheduler.run_once(engine, redis, api_settings) is None
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM scheduler_runs")).scalar_one() == before
    finally:
        assert redis.get(lock) == b"another-replica"  # a follower never releases the leader's lock
        redis.delete(lock)


def test_a_long_tick_keeps_its_lock_and_a_lapsed_leader_stops(engine: Engine, api_settings: ApiSettings,
                                                             redis_url: str, hooks: list[str]) -> None:
    redis = Redis.from_url(redis_url)
    lock = f"{api_settings.redis_key_prefix}scheduler:leader"
    seen: list[object] = []

    def nearly_expired(engine: Engine, redis_: Redis, settings: ApiSettings) -> int:
        redis.expire(lock, 2)  # as if this sweep had run for almost the whole TTL
        return 0

    def check_renewed(engine: Engine, redis_: Redis, settings: ApiSettings) -> int:
        seen.append(redis.ttl(lock))
        return 0

    def lapse(engine: Engine, redis_: Redis, settings: ApiSettings) -> int:
        redis.set(lock, "the-next-leader", ex=60)  # our lock lapsed and another replica took it
        return 0

    def must_not_run(engine: Engine, redis_: Redis, settings: ApiSettings) -> int:
        seen.append("ran after losing the lock")
        return 0

    hooks += ["zz_nearly_expired", "zz_check_renewed", "zz_lapse", "zz_must_not_run"]
    for name, sweep in zip(hooks, (nearly_expired, check_renewed, lapse, must_not_run), strict=True):
        scheduler.register(name, sweep)
    try:
        outcomes = [o.job for o in scheduler.run_once(engine, redis, api_settings) or []]
        assert outcomes[-3:] == ["zz_nearly_expired", "zz_check_renewed", "zz_lapse"]
        assert len(seen) == 1 and isinstance(seen[0], int) and seen[0] >= 60, seen  # renewed to the full TTL
        assert redis.get(lock) == b"the-next-leader"  # not released: it is not ours
    finally:
        redis.delete(lock)
