"""Pooled connections are checked before reuse only after sitting idle (issue 19): a connection the server
dropped while idle is replaced before the request uses it, and a busy pool pays no ping per checkout."""

from __future__ import annotations

from sqlalchemy import Engine, event, text

from indexer.core import db as core_db
from indexer.core.db import make_engine


def _pings(engine: Engine) -> list[int]:
    seen: list[int] = []
    original = engine.dialect.do_ping

    def counting(dbapi_connection: object) -> bool:
        seen.append(1)
        return original(dbapi_connection)

    engine.dialect.do_ping = counting  # type: ignore[method-assign]
    return seen


def test_a_connection_dropped_while_idle_is_replaced_before_use(database_url: str, engine: Engine) -> None:
    pooled = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with pooled.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as admin:  # the server drops the idle pooled connection
            assert admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
        # Past the idle threshold, the checkout pings, finds it dead and opens another one.
        for record in pooled.pool._pool.queue:  # type: ignore[attr-defined]
            record.info["lancer_idle_since"] -= core_db.IDLE_PING_SECONDS + 1
        with pooled.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        pooled.dispose()


def test_a_connection_back_in_the_pool_moments_ago_is_not_pinged(database_url: str) -> None:
    pooled = make_engine(database_url, pool_size=1, max_overflow=0)
    pings = _pings(pooled)
    checkouts: list[int] = []
    event.listen(pooled, "checkout", lambda *args: checkouts.append(1))
    try:
        for _ in range(5):
            with pooled.connect() as conn:
                conn.execute(text("SELECT 1"))
        assert len(checkouts) == 5 and pings == []  # reused within the idle window: never pinged
        for record in pooled.pool._pool.queue:  # type: ignore[attr-defined]
            record.info["lancer_idle_since"] -= core_db.IDLE_PING_SECONDS + 1
        with pooled.connect() as conn:
            conn.execute(text("SELECT 1"))
        assert pings == [1]  # idle long enough: checked once
    finally:
        pooled.dispose()
