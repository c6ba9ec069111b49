"""EAS attestations projection (Lancer's schemas, from EAS Attested/Revoked events).

Revision ID: i0003_attestations
Revises: i0002_chain_index
Create Date: 2026-11-26
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "i0003_attestations"
down_revision: str | Sequence[str] | None = "i0002_chain_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE attestations (
        chain_id BIGINT NOT NULL,
        uid VARCHAR(66) NOT NULL,
        schema VARCHAR(66) NOT NULL,
        attester VARCHAR(42) NOT NULL,
        recipient VARCHAR(42) NOT NULL,
        ref_uid VARCHAR(66) NOT NULL,
        time BIGINT NOT NULL,
        expiration_time BIGINT NOT NULL,
        revocable BOOLEAN NOT NULL,
        data TEXT NOT NULL,
        decoded JSONB,
        revoked_at TIMESTAMP WITH TIME ZONE,
        revoked_block BIGINT,
        revoked_tx VARCHAR(66),
        tx_hash VARCHAR(66) NOT NULL,
        block_number BIGINT NOT NULL,
        log_index INTEGER NOT NULL,
        block_time TIMESTAMP WITH TIME ZONE NOT NULL,
        PRIMARY KEY (chain_id, uid)
    )
    """,
    "CREATE INDEX ix_attestations_recipient ON attestations (recipient, schema)",
    "CREATE INDEX ix_attestations_schema ON attestations (schema, time)",
    "CREATE INDEX ix_attestations_chain_block ON attestations (chain_id, block_number)",
)


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS attestations")
