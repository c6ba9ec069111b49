"""Fewer indexes on ``events``, the backfill's biggest table (issue 19: index upkeep bound the writer).

- ``uq_events_chain_block_log`` (chain_id, block_hash, log_index) and ``ix_events_chain_block``
  (chain_id, block_number, log_index) become one unique ``uq_events_chain_number_log`` (chain_id,
  block_number, log_index): the writer deletes a chain's rows above the cursor before writing there
  (reorg rollback), so a block number holds one block's logs, and a key in chain order is appended
  to where a key on a hash was written at random pages.
- ``ix_events_chain_tx`` (chain_id, tx_hash) goes: every read of a transaction's events also knows its
  block number (``escrows.created_block``, ``transactions.block_number``) and reads through the key.

Revision ID: i0011_events_lean_indexes
Revises: i0010_dashboard_open_escrows
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "i0011_events_lean_indexes"
down_revision: str | Sequence[str] | None = "i0010_dashboard_open_escrows"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_unique_constraint("uq_events_chain_number_log", "events", ["chain_id", "block_number", "log_index"])
    op.drop_index("ix_events_chain_block", table_name="events")
    op.drop_constraint("uq_events_chain_block_log", "events", type_="unique")
    op.drop_index("ix_events_chain_tx", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_chain_tx", "events", ["chain_id", "tx_hash"])
    op.create_unique_constraint("uq_events_chain_block_log", "events", ["chain_id", "block_hash", "log_index"])
    op.create_index("ix_events_chain_block", "events", ["chain_id", "block_number", "log_index"])
    op.drop_constraint("uq_events_chain_number_log", "events", type_="unique")
