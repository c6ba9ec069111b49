"""Counting the statements a block of code sends (the N+1 check).

    with count_queries(engine) as q:
        client.get("/v1/projects")
    assert q.count <= 6, q.statements

``assert_no_n_plus_one`` runs the same call with few and with many rows and fails when the number of
statements grows with the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event


@dataclass
class QueryLog:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        return "\n".join(f"{i + 1}. {' '.join(s.split())[:200]}" for i, s in enumerate(self.statements))


@contextmanager
def count_queries(engine: Engine) -> Iterator[QueryLog]:
    """Every statement sent through ``engine`` (any thread) while the block runs, except the read cache's
    index-version look-up (``api.kit.cache``), which its background refresher sends whenever it is due."""
    log = QueryLog()

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not conn.get_execution_options().get("lancer_cache_version"):
            log.statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", record)


def is_session_check(statement: str) -> bool:
    """The signed-in request's session check (``api.identity.authenticator``) or its throttled last-seen
    update: sent or not depending on whether this process remembers the token at that moment
    (``api.identity.sessioncache``; a write of this process interrupts it for up to half a version TTL)."""
    return "FROM user_sessions JOIN users" in statement or (
        statement.startswith("UPDATE user_sessions SET") and "last_seen_at" in statement)


def assert_no_n_plus_one(engine: Engine, call: Callable[[], Any], grow: Callable[[], Any], *, slack: int = 0) -> None:
    """``call`` sends as many statements after ``grow`` (which adds rows it lists) as before, ± ``slack``.
    The session check is left out: one per signed-in request or none (``is_session_check``), never per row."""
    call()  # warm-up: caches, first-use look-ups
    with count_queries(engine) as before:
        call()
    grow()
    with count_queries(engine) as after:
        call()
    counted = [sum(not is_session_check(x) for x in log.statements) for log in (before, after)]
    assert counted[1] <= counted[0] + slack, (
        f"statements grew from {counted[0]} to {counted[1]} with more rows (N+1?):\n{after}")
