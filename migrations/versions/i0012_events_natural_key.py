"""``events`` keyed by (chain_id, block_number, log_index) alone: the surrogate ``id`` column goes.

No read uses ``events.id``; every row was already unique on its chain position
(``uq_events_chain_number_log``). The serial cost the backfill a sequence call and one more btree
per raw event: COPYing 100k events into a copy of the table took 0.76-0.83 s of PostgreSQL CPU with
``id`` and 0.65 s without (issue 19). The unique key becomes the primary key (so the table keeps
one: a replica identity for logical replication); PostgreSQL builds its index again, once.

Revision ID: i0012_events_natural_key
Revises: i0011_events_lean_indexes
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "i0012_events_natural_key"
down_revision: str | Sequence[str] | None = "i0011_events_lean_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_column("events", "id")  # drops events_pkey with it
    # One statement: the table is never without its key (a unique constraint's index cannot be adopted).
    op.execute("ALTER TABLE events DROP CONSTRAINT uq_events_chain_number_log, "
               "ADD CONSTRAINT events_pkey PRIMARY KEY (chain_id, block_number, log_index)")


def downgrade() -> None:
    op.execute("ALTER TABLE events DROP CONSTRAINT events_pkey, "
               "ADD CONSTRAINT uq_events_chain_number_log UNIQUE (chain_id, block_number, log_index)")
    op.execute("ALTER TABLE events ADD COLUMN id BIGSERIAL PRIMARY KEY")
