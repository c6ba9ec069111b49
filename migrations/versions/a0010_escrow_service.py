"""Escrow-as-a-service intents; outbox retention index.

Revision ID: a0010_escrow_service
Revises: a0009_rewards
Create Date: 2026-11-30
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0010_escrow_service"
down_revision: str | Sequence[str] | None = "a0009_rewards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
UUID = postgresql.UUID(as_uuid=True)


def upgrade() -> None:
    op.create_table(
        "escrow_intents",
        sa.Column("id", UUID, nullable=False),
        sa.Column("owner_user_id", UUID, nullable=False),
        sa.Column("api_key_id", UUID, nullable=True),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(42), nullable=False),
        sa.Column("client_address", sa.String(42), nullable=False),
        sa.Column("freelancer_address", sa.String(42), nullable=False),
        sa.Column("arbiter", sa.String(42), nullable=False),
        sa.Column("total", sa.Numeric(78, 0), nullable=False),
        sa.Column("milestones", postgresql.JSONB(), nullable=False),
        sa.Column("review_period_seconds", sa.BigInteger(), nullable=False),
        sa.Column("escrow_address", sa.String(42), nullable=False),
        sa.Column("metadata_hash", sa.String(66), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("pending_state", sa.String(32), nullable=False),
        sa.Column("pending_block", sa.BigInteger(), nullable=True),
        sa.Column("pending_events", sa.Integer(), nullable=False),
        sa.Column("confirmed_state", sa.String(32), nullable=False),
        sa.Column("confirmed_block", sa.BigInteger(), nullable=True),
        sa.Column("synced_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_escrow_intents"),
        sa.UniqueConstraint("owner_user_id", "external_id", name="uq_escrow_intents_owner_external_id"),
        sa.ForeignKeyConstraint(["owner_user_id"], ["users.id"], name="fk_escrow_intents_owner_user_id_users",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_escrow_intents_owner_created", "escrow_intents", ["owner_user_id", "created_at", "id"])
    op.create_index("ix_escrow_intents_open", "escrow_intents", ["confirmed_state"])
    op.create_index("ix_escrow_intents_escrow", "escrow_intents", ["chain_id", "escrow_address"])
    # The outbox retention sweep deletes by age.
    op.create_index("ix_outbox_events_created_at", "outbox_events", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_events_created_at", table_name="outbox_events")
    op.drop_table("escrow_intents")
