"""Escrow projection: when an escrow completed and when each milestone closed.

Revision ID: i0006_escrow_close_times
Revises: i0005_native_snapshot_hash
Create Date: 2026-11-30

The projection now stores ``escrows.completed_at`` (block time of ``Completed``) and
``escrow_milestones.closed_at`` (block time of the release, resolution or refund), so reputation
reads them from the projection instead of the raw events. Existing rows are filled from the raw
events once, here; ``lancer index rebuild`` gives the same values.
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "i0006_escrow_close_times"
down_revision: str | Sequence[str] | None = "i0005_native_snapshot_hash"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATEMENTS: tuple[str, ...] = (
    "ALTER TABLE escrows ADD COLUMN completed_at TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE escrow_milestones ADD COLUMN closed_at TIMESTAMP WITH TIME ZONE",
    """
    UPDATE escrows e SET completed_at = (
        SELECT max(ev.block_time) FROM events ev
         WHERE ev.chain_id = e.chain_id AND ev.address = e.address AND ev.event_name = 'Completed')
     WHERE e.completed
    """,
    """
    UPDATE escrow_milestones m SET closed_at = (
        SELECT max(ev.block_time) FROM events ev
         WHERE ev.chain_id = m.chain_id AND ev.address = m.escrow
           AND ev.event_name IN ('MilestoneReleased', 'DisputeResolved', 'MilestoneRefunded')
           AND ev.args->>'index' = CAST(m.index AS text))
    """,
)


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("ALTER TABLE escrow_milestones DROP COLUMN closed_at")
    op.execute("ALTER TABLE escrows DROP COLUMN completed_at")
