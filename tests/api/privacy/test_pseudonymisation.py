"""Issue 12 #8: erasure and retention pseudonymise the audit log through the trigger's privileged path;
ordinary updates are still refused; the sweeps run from the scheduler, one leader, each run recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from api import scheduler
from api.privacy import service as privacy
from api.settings import ApiSettings
from tests.support.api_client import bearer, login


def _rows(engine: Engine, user_id: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT ip, user_agent, target, details, pseudonymised_at FROM audit_events "
                                      "WHERE actor_user_id = :u ORDER BY id"), {"u": user_id}))


def test_erasure_blanks_ip_agent_and_wallets_of_the_users_audit_rows(client: TestClient, engine: Engine,
                                                                     account: Any) -> None:
    out = login(client, account, ua="Firefox/secret-device")
    user_id = out["user_id"]
    before = _rows(engine, user_id)
    assert any(r.ip for r in before) and any(r.user_agent == "Firefox/secret-device" for r in before)
    assert client.delete("/v1/me", headers=bearer(out["tokens"]["access_token"])).status_code == 202
    with engine.connect() as conn:
        request_id = conn.execute(text("SELECT id FROM privacy_deletions WHERE user_id = :u"), {"u": user_id}).scalar()
    assert privacy.erase_user(engine, request_id, now=datetime.now(UTC) + timedelta(days=365)) is True
    after = _rows(engine, user_id)
    assert len(after) == len(before) + 2  # the facts stay (plus delete_request and delete_done)
    assert all(r.ip is None and r.user_agent is None for r in after)
    dump = repr(after)
    assert account.address not in dump and account.address.lower() not in dump


def test_ordinary_updates_are_still_refused(engine: Engine, client: TestClient, account: Any) -> None:
    login(client, account)
    for statement in ("UPDATE audit_events SET ip = NULL, user_agent = NULL",
                      "UPDATE audit_events SET result = 'x'"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
    # Even with the session variable, the fact itself (action, result, actor) cannot be changed.
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL lancer.audit_pseudonymise = 'on'"))
            conn.execute(text("UPDATE audit_events SET ip = NULL, user_agent = NULL, action = 'forged'"))


def test_retention_pseudonymises_old_rows_only(engine: Engine, client: TestClient, account: Any) -> None:
    user_id = login(client, account)["user_id"]
    assert privacy.audit_retention(engine, 30) >= 0
    assert any(r.ip for r in _rows(engine, user_id))  # recent: kept
    assert privacy.audit_retention(engine, 30, now=datetime.now(UTC) + timedelta(days=31)) >= 1
    assert all(r.ip is None and r.pseudonymised_at is not None for r in _rows(engine, user_id))


def test_scheduler_runs_every_sweep_once_per_tick_with_one_leader(engine: Engine, api_settings: ApiSettings,
                                                                  redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    lock = f"{api_settings.redis_key_prefix}scheduler:leader"
    redis.set(lock, "another-replica", ex=30)
    assert scheduler.run_once(engine, redis, api_settings) is None  # not the leader: nothing runs
    redis.delete(lock)
    scheduler.load_hooks()  # what `lancer scheduler` runs: the built-in sweeps and the domains' jobs
    assert set(scheduler.JOBS) == {
        "deletion_sweep", "export_purge", "audit_retention", "apikey_usage_flush", "outbox_prune",
        "webhook_log_retention", "apikey_request_retention", "support_sla_sweep", "reputation_recompute",
        "dashboard_volume_rollup",
        "rewards_epoch", "matching_deletions_prune", "project_deletions_prune"}
    outcomes = scheduler.run_once(engine, redis, api_settings)
    # Every-tick jobs always run; a job with a cadence runs unless another test ran it on this database lately.
    every_tick = {name for name, job in scheduler.JOBS.items() if job.every_seconds is None}
    assert outcomes is not None and every_tick <= {o.job for o in outcomes} <= set(scheduler.JOBS)
    assert all(o.status == "ok" for o in outcomes), outcomes
    assert redis.get(lock) is None  # released
    with engine.connect() as conn:
        recorded = conn.execute(text("SELECT job, status FROM scheduler_runs ORDER BY id DESC LIMIT :n"),
                                {"n": len(outcomes)}).all()
    assert {(job, status) for job, status in recorded} == {(o.job, "ok") for o in outcomes}
