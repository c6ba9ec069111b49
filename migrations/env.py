"""Alembic environment. The URL comes from DATABASE_URL (or `-x url=...`), never from a file.

Migrations form one root (`0001_base`) with a branch per owner (indexer tables, api tables), so
always upgrade to ``heads``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from indexer.core.db import make_engine
from indexer.core.settings import ChainSettings

config = context.config


def _url() -> str:
    return context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    ) or ChainSettings().database_url.get_secret_value()


def run_migrations_offline() -> None:
    context.configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
