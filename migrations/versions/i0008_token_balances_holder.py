"""Indexes for reads that filter chain tables: token balances by holder (the primary key (chain_id,
token, holder) cannot serve it without scanning every token of the chain), and the treasury inflows,
distributions and carbon offsets by block time (the monthly sustainability report and ledger).

Revision ID: i0008_token_balances_holder
Revises: i0007_token_economy
Create Date: 2026-11-30
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "i0008_token_balances_holder"
down_revision: str | Sequence[str] | None = "i0007_token_economy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMED = ("treasury_inflows", "treasury_distributions", "carbon_offsets")


def upgrade() -> None:
    op.create_index("ix_token_balances_holder", "token_balances", ["chain_id", "holder"])
    for table in TIMED:
        op.create_index(f"ix_{table}_time", table, ["block_time"])


def downgrade() -> None:
    for table in TIMED:
        op.drop_index(f"ix_{table}_time", table_name=table)
    op.drop_index("ix_token_balances_holder", table_name="token_balances")
