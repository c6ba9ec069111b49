"""Database engine helpers shared by the indexer, the API and the tests."""

from __future__ import annotations

import sqlalchemy
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

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
    kwargs.setdefault("pool_pre_ping", True)
    # Looked up at call time: with tracing on, indexer.core.telemetry has wrapped it to trace statements.
    engine = sqlalchemy.create_engine(parsed, **kwargs)  # type: ignore[arg-type]
    slowlog.install(engine, slow_query_ms)
    return engine
