"""The api models and the Alembic migrations describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

import api.attestations.models  # noqa: F401
import api.audit.models  # noqa: F401
import api.identity.models  # noqa: F401
import api.privacy.models  # noqa: F401
from api.db import metadata


def test_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    api_tables = set(metadata.tables)
    # The indexer's tables (and their indexes) are in the database too; only the api's are compared here.
    relevant = [d for d in diff if _table_of(d) in api_tables]
    assert relevant == []


def _table_of(diff: object) -> str | None:
    if isinstance(diff, list):  # modify_* entries come grouped per column
        return _table_of(diff[0]) if diff else None
    assert isinstance(diff, tuple)
    kind, obj = diff[0], diff[1]
    if kind in ("add_table", "remove_table"):
        return obj.name  # type: ignore[no-any-return]
    if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        return obj.table.name  # type: ignore[no-any-return]
    if kind in ("add_column", "remove_column"):
        return diff[2]  # type: ignore[no-any-return]
    if kind.startswith("modify_"):
        return diff[2]  # type: ignore[no-any-return]
    return None


def test_indexer_models_match_migrations(engine: Engine) -> None:
    from indexer.models import metadata as indexer_metadata

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), indexer_metadata)
    tables = set(indexer_metadata.tables)
    assert [d for d in diff if _table_of(d) in tables] == []
