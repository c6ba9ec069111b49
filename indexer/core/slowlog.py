"""Slow query log: statements slower than ``SLOW_QUERY_MS`` are logged with a summary of their plan.

Installed on an engine by ``make_engine(..., slow_query_ms=N)``. Each statement is timed around the
cursor call; one over the threshold is logged (``slow query``: the statement without its parameters, the
duration, the plan summary from ``EXPLAIN (FORMAT JSON)`` of the same statement and parameters, which
plans but does not run it) and counted in ``lancer_db_slow_queries_total``. Parameters are never
logged (they hold addresses, emails, tokens). For the statement-level view across the fleet, enable
``pg_stat_statements`` (README, "Slow queries").
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from prometheus_client import Counter, Histogram
from sqlalchemy import Engine, event

log = structlog.get_logger(__name__)

SLOW_QUERIES = Counter("lancer_db_slow_queries_total", "Statements slower than SLOW_QUERY_MS", ["statement"])
SLOW_QUERY_SECONDS = Histogram("lancer_db_slow_query_seconds", "Duration of the statements over SLOW_QUERY_MS",
                               buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
_EXPLAINABLE = ("select", "with", "update", "delete", "insert")
_TIMER = "lancer_slowlog_started"


def _kind(statement: str) -> str:
    word = statement.lstrip().split(None, 1)[0].lower() if statement.strip() else ""
    return word if word in _EXPLAINABLE else "other"


def summarize_plan(plan: dict[str, Any]) -> str:
    """One line: the root node with its estimated cost and rows, then every scan of a table."""
    root = plan.get("Plan", plan)
    scans: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        relation = node.get("Relation Name")
        if relation:
            index = node.get("Index Name")
            scans.append(f"{node['Node Type']} on {relation}" + (f" using {index}" if index else ""))
        for child in node.get("Plans", []):
            walk(child)

    walk(root)
    head = f"{root.get('Node Type')} (cost {root.get('Total Cost')}, rows {root.get('Plan Rows')})"
    return head + (": " + "; ".join(scans) if scans else "")


def _explain(cursor: Any, statement: str, parameters: Any) -> str | None:
    try:
        explain = cursor.connection.cursor()
        try:
            explain.execute("EXPLAIN (FORMAT JSON) " + statement, parameters or None)
            row = explain.fetchone()
        finally:
            explain.close()
        document = row[0] if row else None
        if isinstance(document, str):
            import json

            document = json.loads(document)
        return summarize_plan(document[0]) if document else None
    except Exception as exc:  # a plan is a nicety: never fail the caller's statement over it
        return f"(no plan: {type(exc).__name__})"


def install(engine: Engine, threshold_ms: float) -> None:
    """Time every statement of ``engine``; log and count those over ``threshold_ms`` (0: off)."""
    if threshold_ms <= 0:
        return
    threshold = threshold_ms / 1000

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        conn.info.setdefault(_TIMER, []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        timers = conn.info.get(_TIMER)
        if not timers:
            return
        elapsed = time.perf_counter() - timers.pop()
        if elapsed < threshold:
            return
        kind = _kind(statement)
        SLOW_QUERIES.labels(statement=kind).inc()
        SLOW_QUERY_SECONDS.observe(elapsed)
        plan = _explain(cursor, statement, parameters) if kind != "other" and not executemany else None
        log.warning("slow query", ms=round(elapsed * 1000, 1), statement=" ".join(statement.split())[:500],
                    plan=plan, threshold_ms=threshold_ms)
