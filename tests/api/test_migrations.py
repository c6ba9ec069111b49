"""The api models and the Alembic migrations describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

import api.audit.models  # noqa: F401
import api.identity.models  # noqa: F401
import api.privacy.models  # noqa: F401
from api.db import metadata


def test_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    api_tables = set(metadata.tables)
    relevant = [d for d in diff if not (d[0] == "remove_table" and d[1].name not in api_tables)]
    assert relevant == []
