"""Token balances by holder: the balances read filters on (chain_id, holder), which the primary key
(chain_id, token, holder) cannot serve without scanning every token of the chain.

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


def upgrade() -> None:
    op.create_index("ix_token_balances_holder", "token_balances", ["chain_id", "holder"])


def downgrade() -> None:
    op.drop_index("ix_token_balances_holder", table_name="token_balances")
