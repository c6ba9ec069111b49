"""The admin dashboard's rollup of confirmed escrow volume (``api.dashboard.volume``): GMV and fees per
chain, token and UTC month, and per chain the confirmed block it holds up to. Filled on first use and by
the scheduler's ``dashboard_volume_rollup`` sweep (empty tables are correct: the first refresh builds them).

Revision ID: a0022_dashboard_volume_rollup
Revises: a0021_support_escalation_job
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a0022_dashboard_volume_rollup"
down_revision: str | Sequence[str] | None = "a0021_support_escalation_job"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dashboard_volume_months",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(42), nullable=False),
        sa.Column("month", sa.DateTime(timezone=False), nullable=False),
        sa.Column("gmv", sa.Numeric(78, 0), nullable=False),
        sa.Column("fees", sa.Numeric(78, 0), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "token", "month", name="pk_dashboard_volume_months"),
    )
    op.create_table(
        "dashboard_volume_marks",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("upto_block", sa.BigInteger(), nullable=False),
        sa.Column("reorg_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", name="pk_dashboard_volume_marks"),
    )


def downgrade() -> None:
    op.drop_table("dashboard_volume_marks")
    op.drop_table("dashboard_volume_months")
