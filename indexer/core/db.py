"""Database engine helpers shared by the indexer, the API and the tests."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

from indexer.core import slowlog
from indexer.core.errors import ConfigError


def make_engine(url: str, *, slow_query_ms: float = 0, **kwargs: object) -> Engine:
    """An engine on PostgreSQL; ``slow_query_ms`` > 0 logs statements slower than that (indexer.core.slowlog)."""
    if not url:
        raise ConfigError("DATABASE_URL is not set; set it to a PostgreSQL URL (or use `lancer dev`)")
    try:
        parsed = make_url(url)
    except Exception:
        raise ConfigError("DATABASE_URL is not a valid database URL") from None
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError("DATABASE_URL must point to PostgreSQL (postgresql+psycopg://...)")
    idle_ping = "pool_pre_ping" not in kwargs
    # Looked up at call time: with tracing on, indexer.core.telemetry has wrapped it to trace statements.
    engine = sqlalchemy.create_engine(parsed, **kwargs)  # type: ignore[arg-type]
    if idle_ping:
        install_idle_ping(engine)
    slowlog.install(engine, slow_query_ms)
    return engine


# A pooled connection is checked (one SELECT 1 round trip) before reuse only when it sat idle in the pool
# longer than this: one that came back milliseconds ago is alive, and under load pinging on every
# checkout (SQLAlchemy's pool_pre_ping) was one extra round trip per request. A connection the server
# dropped while idle is still replaced before use; one dropped within this window fails its statement,
# and SQLAlchemy then invalidates the pool so the next checkout reconnects.
IDLE_PING_SECONDS = 1.0


def install_idle_ping(engine: Engine, idle_seconds: float = IDLE_PING_SECONDS) -> None:
    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["lancer_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get("lancer_idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # just connected, or back in the pool moments ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the pool discards it and checks out (or opens) another
            raise DisconnectionError("pooled connection is gone") from exc
