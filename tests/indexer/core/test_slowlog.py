"""The slow query log (issue 18): statements over SLOW_QUERY_MS are logged with a plan summary and counted;
parameters never appear; faster ones cost nothing but the timing."""

from __future__ import annotations

from typing import Any

import structlog
from prometheus_client import REGISTRY
from sqlalchemy import Engine, text

from indexer.core import slowlog
from indexer.core.db import make_engine


def _count(kind: str) -> float:
    return REGISTRY.get_sample_value("lancer_db_slow_queries_total", {"statement": kind}) or 0.0


def test_slow_statements_are_logged_with_their_plan_and_counted(database_url: str, engine: Engine) -> None:
    # Its own schema: the run's database is shared by parallel workers, and a stray table in the default schema
    # would show up in tests/api/test_migrations.py's comparison of models and migrations.
    with engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA IF NOT EXISTS slowlog_test"))
        conn.execute(text("CREATE TABLE IF NOT EXISTS slowlog_test.slowlog_probe (id int PRIMARY KEY, secret text)"))
        conn.execute(text("INSERT INTO slowlog_test.slowlog_probe SELECT g, 'v' || g FROM generate_series(1, 500) g "
                          "ON CONFLICT DO NOTHING"))
        conn.execute(text("INSERT INTO slowlog_test.slowlog_probe VALUES (1000, 'hunter2-secret') ON CONFLICT DO NOTHING"))
    slow = make_engine(database_url, slow_query_ms=50)
    before = _count("select")
    with structlog.testing.capture_logs() as logs, slow.connect() as conn:
        conn.execute(text("SELECT id FROM slowlog_test.slowlog_probe WHERE secret = :s"), {"s": "v7"})  # fast: not logged
        conn.execute(text("SELECT p.id, pg_sleep(0.1) FROM slowlog_test.slowlog_probe p WHERE p.secret = :s"),
                     {"s": "hunter2-secret"})
        conn.execute(text("SELECT pg_sleep(0.06)"))
    slow.dispose()
    lines: list[dict[str, Any]] = [e for e in logs if e["event"] == "slow query"]
    assert len(lines) == 2, logs
    first = lines[0]
    assert first["ms"] >= 100 and first["threshold_ms"] == 50 and "pg_sleep(0.1)" in first["statement"]
    assert "Seq Scan on slowlog_probe" in first["plan"] and first["plan"].startswith(("Seq Scan", "Result"))
    assert "hunter2-secret" not in repr(lines)  # parameters are never logged
    assert _count("select") == before + 2


def test_plan_summary_names_scans_and_indexes() -> None:
    plan = {"Plan": {"Node Type": "Limit", "Total Cost": 12.5, "Plan Rows": 50, "Plans": [
        {"Node Type": "Index Scan", "Relation Name": "escrows", "Index Name": "ix_escrows_created"},
        {"Node Type": "Seq Scan", "Relation Name": "chains"}]}}
    assert slowlog.summarize_plan(plan) == (
        "Limit (cost 12.5, rows 50): Index Scan on escrows using ix_escrows_created; Seq Scan on chains")


def test_off_at_zero(database_url: str) -> None:
    quiet = make_engine(database_url, slow_query_ms=0)
    with structlog.testing.capture_logs() as logs, quiet.connect() as conn:
        conn.execute(text("SELECT pg_sleep(0.02)"))
    quiet.dispose()
    assert not [e for e in logs if e["event"] == "slow query"]
