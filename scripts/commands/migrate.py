"""`lancer migrate`: bring the database schema to the newest revision of every branch."""

from __future__ import annotations

import click

from indexer.core.errors import ConfigError
from indexer.core.migrate import upgrade
from indexer.core.settings import get_chain_settings


@click.command("migrate")
@click.option("--target", default="heads", show_default=True, help="Alembic revision to upgrade to")
def migrate_command(target: str) -> None:
    """Apply database migrations (indexer and API tables)."""
    url = get_chain_settings().database_url.get_secret_value()
    if not url:
        raise ConfigError("DATABASE_URL is not set; set it to a PostgreSQL URL")
    upgrade(url, target)
    click.echo(f"database migrated to {target}")
