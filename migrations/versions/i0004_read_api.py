"""Read API support: native balance snapshots, escrow list indexes.

Revision ID: i0004_read_api
Revises: i0003_attestations
Create Date: 2026-11-26
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "i0004_read_api"
down_revision: str | Sequence[str] | None = "i0003_attestations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE native_balances (
        chain_id BIGINT NOT NULL,
        holder VARCHAR(42) NOT NULL,
        block_number BIGINT NOT NULL,
        balance NUMERIC(78, 0) NOT NULL,
        PRIMARY KEY (chain_id, holder, block_number)
    )
    """,
    "CREATE INDEX ix_escrows_arbiter ON escrows (chain_id, arbiter)",
    "CREATE INDEX ix_escrows_created ON escrows (created_at, chain_id, address)",
)


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_escrows_created")
    op.execute("DROP INDEX IF EXISTS ix_escrows_arbiter")
    op.execute("DROP TABLE IF EXISTS native_balances")
