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
    assert [d for d in diff if _table_of(d) in api_tables] == []


def _table_of(diff: tuple) -> str | None:  # type: ignore[type-arg]
    """Name of the table a compare_metadata entry is about (other owners' tables are not ours to check)."""
    obj = diff[1]
    if diff[0].endswith("_table"):
        return obj.name  # type: ignore[no-any-return]
    table = getattr(obj, "table", None)
    if table is not None:
        return table.name  # type: ignore[no-any-return]
    return diff[2] if len(diff) > 2 and isinstance(diff[2], str) else None
