"""Sustainability: offsets asked for by admins (on chain or through a provider) and the exactly-once
journal of platform transactions (api.kit.txonce).

Revision ID: a0011_sustainability
Revises: a0010_escrow_service
Create Date: 2026-11-30
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0011_sustainability"
down_revision: str | Sequence[str] | None = "a0010_escrow_service"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sustainability_offsets",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=True),
        sa.Column("grams_co2e", sa.BigInteger(), nullable=False),
        sa.Column("certificate_ref", sa.String(200), nullable=True),
        sa.Column("certificate_id", sa.String(66), nullable=True),
        sa.Column("certificate_uri", sa.Text(), nullable=True),
        sa.Column("provider", sa.String(32), nullable=True),
        sa.Column("provider_order_id", sa.String(100), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sustainability_offsets"),
        sa.UniqueConstraint("certificate_id", name="uq_sustainability_offsets_certificate_id"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_sustainability_offsets_created_by_users",
                                ondelete="SET NULL"),
    )
    op.create_index("ix_sustainability_offsets_created", "sustainability_offsets", ["created_at", "id"])
    op.create_table(
        "chain_tx_journal",
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("sender", sa.String(42), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("raw_tx", sa.Text(), nullable=False),
        sa.Column("nonce", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_chain_tx_journal"),
    )


def downgrade() -> None:
    op.drop_table("chain_tx_journal")
    op.drop_index("ix_sustainability_offsets_created", table_name="sustainability_offsets")
    op.drop_table("sustainability_offsets")
