"""Partial indexes for the dashboards' chain reads:

- ``ix_escrow_milestones_disputes``: disputed (3) and resolved (4) milestones are a small share of
  ``escrow_milestones``, which the admin screen's dispute counts otherwise scan whole (160-200 ms at 375k).
- ``ix_events_escrow_payouts``: an escrow's releases and dispute resolutions (earnings, invoices) without
  visiting its other events (funding, submissions: three quarters of the rows read before).

Revision ID: i0009_dashboard_indexes
Revises: i0008_token_balances_holder
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i0009_dashboard_indexes"
down_revision: str | Sequence[str] | None = "i0008_token_balances_holder"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAYOUTS = "event_name IN ('MilestoneReleased', 'DisputeResolved')"


def upgrade() -> None:
    op.create_index("ix_escrow_milestones_disputes", "escrow_milestones", ["chain_id"],
                    postgresql_where=sa.text("status IN (3, 4)"))
    op.create_index("ix_events_escrow_payouts", "events", ["chain_id", "address", "block_number"],
                    postgresql_where=sa.text(PAYOUTS))


def downgrade() -> None:
    op.drop_index("ix_events_escrow_payouts", table_name="events")
    op.drop_index("ix_escrow_milestones_disputes", table_name="escrow_milestones")
