"""The freelancer dashboard's cold build:

- ``dashboard_earnings_months``: the rollup of confirmed earnings (``api.dashboard.earnings``), payouts per
  freelancer wallet, chain, token and UTC month, advanced with the volume rollup up to its marks. The volume
  marks are cleared so the next refresh rebuilds both rollups from the first block (the earnings table
  starts empty, and a mark must never claim blocks a rollup does not hold).
- ``ix_projects_open_skills``: open public projects' creation time, skills and client, so the skill-overlap
  ranking of matched projects (``api.dashboard.feed``) reads a narrow index, not thousands of wide rows.

Revision ID: a0023_dashboard_earnings_rollup
Revises: a0021_matching_store
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a0023_dashboard_earnings_rollup"
down_revision: str | Sequence[str] | None = "a0021_matching_store"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dashboard_earnings_months",
        sa.Column("wallet", sa.String(42), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(42), nullable=False),
        sa.Column("month", sa.DateTime(timezone=False), nullable=False),
        sa.Column("amount", sa.Numeric(78, 0), nullable=False),
        sa.PrimaryKeyConstraint("wallet", "chain_id", "token", "month", name="pk_dashboard_earnings_months"),
    )
    op.create_index("ix_projects_open_skills", "projects", ["created_at", "id"],
                    postgresql_include=["skill_ids", "client_user_id"],
                    postgresql_where=sa.text("state = 'open' AND visibility = 'public'"))
    op.execute("DELETE FROM dashboard_volume_marks")
    op.execute("DELETE FROM dashboard_volume_months")


def downgrade() -> None:
    op.drop_index("ix_projects_open_skills", table_name="projects")
    op.drop_table("dashboard_earnings_months")
