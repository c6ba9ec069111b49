"""The indexer's tables (indexer.models) and the Alembic migrations describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from indexer.models import metadata


def test_indexer_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = set(metadata.tables)

    def table_of(d: tuple) -> str | None:  # type: ignore[type-arg]
        obj = d[1]
        if d[0].endswith("_table"):
            return obj.name  # type: ignore[no-any-return]
        table = getattr(obj, "table", None)
        return table.name if table is not None else (d[2] if len(d) > 2 and isinstance(d[2], str) else None)

    relevant = [d for d in diff if table_of(d) in ours and not isinstance(d, list)]
    assert relevant == []
