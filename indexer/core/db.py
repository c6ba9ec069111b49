"""Database engine helpers shared by the indexer, the API and the tests."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from indexer.core.errors import ConfigError


def make_engine(url: str, **kwargs: object) -> Engine:
    if not url:
        raise ConfigError("DATABASE_URL is not set; set it to a PostgreSQL URL (or use `lancer dev`)")
    try:
        parsed = make_url(url)
    except Exception:
        raise ConfigError("DATABASE_URL is not a valid database URL") from None
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError("DATABASE_URL must point to PostgreSQL (postgresql+psycopg://...)")
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)  # type: ignore[arg-type]
