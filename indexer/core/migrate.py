"""Run the Alembic migrations programmatically (the CLI's `lancer migrate`, tests, `lancer dev`)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from indexer.core.settings import REPO_ROOT


def alembic_config(url: str) -> Config:
    cfg = Config(toml_file=str(REPO_ROOT / "pyproject.toml"))
    # Absolute paths: `%(here)s` is only known when Alembic is started from the repository root.
    cfg.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    cfg.set_main_option("version_locations", str(REPO_ROOT / "migrations" / "versions"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, target: str = "heads") -> None:
    command.upgrade(alembic_config(url), target)


def is_current(engine: Engine) -> bool:
    """True when the database is at every head revision (used by readiness checks)."""
    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(hide_password=False)))
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current == set(script.get_heads())
