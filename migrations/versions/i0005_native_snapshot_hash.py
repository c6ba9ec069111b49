"""Native balance snapshots carry the hash of the block they were read at.

Rows written before this revision have no hash and cannot be told canonical or orphaned (a snapshot
taken at the head deep in a backfill could belong to a branch a reorg replaced), so they are
deleted: each holder gets a new snapshot with its next platform activity.

Revision ID: i0005_native_snapshot_hash
Revises: i0004_read_api
Create Date: 2026-11-30
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "i0005_native_snapshot_hash"
down_revision: str | Sequence[str] | None = "i0004_read_api"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM native_balances")
    op.execute("ALTER TABLE native_balances ADD COLUMN block_hash VARCHAR(66)")
    # The writer settles the snapshots of each batch's block range.
    op.execute("CREATE INDEX ix_native_balances_block ON native_balances (chain_id, block_number)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_native_balances_block")
    op.execute("ALTER TABLE native_balances DROP COLUMN IF EXISTS block_hash")
