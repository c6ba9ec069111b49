"""Offchain attestations Lancer signed (reviews, verified skills) and the on-chain attest journal.

Revision ID: a0004_attestations
Revises: a0003_audit_privacy
Create Date: 2026-11-26
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0004_attestations"
down_revision: str | Sequence[str] | None = "a0003_audit_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "offchain_attestations",
        sa.Column("uid", sa.String(66), nullable=False),
        sa.Column("fact_key", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("schema_uid", sa.String(66), nullable=False),
        sa.Column("attester", sa.String(42), nullable=False),
        sa.Column("recipient", sa.String(42), nullable=False),
        sa.Column("time", sa.BigInteger(), nullable=False),
        sa.Column("expiration_time", sa.BigInteger(), nullable=False),
        sa.Column("package", postgresql.JSONB(), nullable=False),
        sa.Column("decoded", postgresql.JSONB(), nullable=False),
        sa.Column("details", postgresql.JSONB(), nullable=False),
        sa.Column("created_by", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.Column("revoked_by", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.Column("onchain_status", sa.String(16), nullable=False),
        sa.Column("onchain_chain_id", sa.BigInteger(), nullable=True),
        sa.Column("onchain_uid", sa.String(66), nullable=True),
        sa.Column("onchain_tx", sa.String(66), nullable=True),
        sa.Column("onchain_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("uid", name="pk_offchain_attestations"),
        sa.UniqueConstraint("fact_key", name="uq_offchain_attestations_fact_key"),
        sa.UniqueConstraint("onchain_uid", name="uq_offchain_attestations_onchain_uid"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_offchain_attestations_created_by_users",
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["revoked_by"], ["users.id"], name="fk_offchain_attestations_revoked_by_users",
                                ondelete="SET NULL"),
    )
    op.create_index("ix_offchain_attestations_recipient", "offchain_attestations", ["recipient"])
    op.create_index("ix_offchain_attestations_recipient_schema", "offchain_attestations", ["recipient", "schema_uid"])
    op.create_table(
        "attest_journal",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("raw_tx", sa.Text(), nullable=False),
        sa.Column("nonce", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(66), nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_attest_journal"),
    )


def downgrade() -> None:
    op.drop_table("attest_journal")
    op.drop_table("offchain_attestations")
