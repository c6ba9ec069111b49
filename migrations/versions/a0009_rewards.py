"""Rewards epochs computed by Lancer and their leaves (with proofs).

Revision ID: a0009_rewards
Revises: a0008_outbox_messages
Create Date: 2026-11-30
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0009_rewards"
down_revision: str | Sequence[str] | None = "a0008_outbox_messages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
AMOUNT = sa.Numeric(78, 0)


def upgrade() -> None:
    op.create_table(
        "rewards_epochs",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("distributor", sa.String(42), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(42), nullable=False),
        sa.Column("period_start", TZ, nullable=False),
        sa.Column("period_end", TZ, nullable=False),
        sa.Column("root", sa.String(66), nullable=False),
        sa.Column("total", AMOUNT, nullable=False),
        sa.Column("leaf_count", sa.Integer(), nullable=False),
        sa.Column("rules", postgresql.JSONB(), nullable=False),
        sa.Column("confirmed_block", sa.BigInteger(), nullable=False),
        sa.Column("computed_by", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("computed_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["computed_by"], ["users.id"], name="fk_rewards_epochs_computed_by_users",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("chain_id", "distributor", "epoch", name="pk_rewards_epochs"),
    )
    op.create_table(
        "rewards_leaves",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("distributor", sa.String(42), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("leaf_index", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(42), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("rebate", AMOUNT, nullable=False),
        sa.Column("breakdown", postgresql.JSONB(), nullable=False),
        sa.Column("proof", postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "distributor", "epoch", "leaf_index", name="pk_rewards_leaves"),
    )
    op.create_index("ix_rewards_leaves_account", "rewards_leaves", ["account", "chain_id"])


def downgrade() -> None:
    op.drop_index("ix_rewards_leaves_account", table_name="rewards_leaves")
    op.drop_table("rewards_leaves")
    op.drop_table("rewards_epochs")
