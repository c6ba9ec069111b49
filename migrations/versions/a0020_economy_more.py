"""Token economy, more (issue 17): the economy feed's items (claims and stake changes already turned into
outbox events).

Revision ID: a0020_economy_more
Revises: a0014_encryption_at_rest
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a0020_economy_more"
down_revision: str | Sequence[str] | None = "a0019_integrations_more"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "economy_feed_items",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("contract", sa.String(32), nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("event_name", sa.String(64), nullable=False),
        sa.Column("account", sa.String(42), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "block_hash", "log_index", name="pk_economy_feed_items"),
    )
    op.create_index("ix_economy_feed_items_open", "economy_feed_items", ["chain_id", "status", "block_number"])


def downgrade() -> None:
    op.drop_index("ix_economy_feed_items_open", table_name="economy_feed_items")
    op.drop_table("economy_feed_items")
