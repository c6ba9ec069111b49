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
    assert scheduler.HOOK_MODULES == ("api.rewards.jobs", "api.reputation.jobs")
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
