"""Chain index tables: cursor per chain, verified blocks, raw events, transactions, projections.

Revision ID: i0002_chain_index
Revises: 0001_base
Create Date: 2026-11-25

The DDL is spelled out (not generated from ``indexer.models`` at run time) so this revision stays
what it was when later revisions change the models.
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "i0002_chain_index"
down_revision: str | Sequence[str] | None = "0001_base"
branch_labels: str | Sequence[str] | None = ("indexer",)
depends_on: str | Sequence[str] | None = None

STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE blocks (
        chain_id BIGINT NOT NULL,
        number BIGINT NOT NULL,
        hash VARCHAR(66) NOT NULL,
        parent_hash VARCHAR(66) NOT NULL,
        timestamp TIMESTAMP WITH TIME ZONE NOT NULL,
        PRIMARY KEY (chain_id, number)
    )
    """,
    """
    CREATE TABLE carbon_offsets (
        chain_id BIGINT NOT NULL,
        block_number BIGINT NOT NULL,
        log_index INTEGER NOT NULL,
        block_time TIMESTAMP WITH TIME ZONE NOT NULL,
        tx_hash VARCHAR(66) NOT NULL,
        treasury VARCHAR(42) NOT NULL,
        certificate_id VARCHAR(66) NOT NULL,
        grams_co2e NUMERIC(78, 0) NOT NULL,
        uri TEXT NOT NULL,
        recorded_by VARCHAR(42) NOT NULL,
        PRIMARY KEY (chain_id, block_number, log_index)
    )
    """,
    """
    CREATE TABLE chains (
        chain_id BIGSERIAL NOT NULL,
        name TEXT NOT NULL,
        block_number BIGINT NOT NULL,
        block_hash VARCHAR(66),
        start_block BIGINT NOT NULL,
        head_block BIGINT,
        safe_block BIGINT,
        finalized_block BIGINT,
        confirmed_block BIGINT DEFAULT '-1' NOT NULL,
        head_seen_at TIMESTAMP WITH TIME ZONE,
        reorg_count INTEGER DEFAULT '0' NOT NULL,
        last_reorg_depth INTEGER,
        max_reorg_depth INTEGER DEFAULT '0' NOT NULL,
        last_reorg_at TIMESTAMP WITH TIME ZONE,
        updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
        PRIMARY KEY (chain_id)
    )
    """,
    """
    CREATE TABLE escrow_milestones (
        chain_id BIGINT NOT NULL,
        escrow VARCHAR(42) NOT NULL,
        index INTEGER NOT NULL,
        amount NUMERIC(78, 0) NOT NULL,
        status SMALLINT NOT NULL,
        submitted_at TIMESTAMP WITH TIME ZONE,
        deliverable_hash VARCHAR(66),
        to_freelancer NUMERIC(78, 0) NOT NULL,
        to_client NUMERIC(78, 0) NOT NULL,
        fee NUMERIC(78, 0) NOT NULL,
        disputed_by VARCHAR(42),
        block_number BIGINT NOT NULL,
        PRIMARY KEY (chain_id, escrow, index)
    )
    """,
    """
    CREATE TABLE escrows (
        chain_id BIGINT NOT NULL,
        address VARCHAR(42) NOT NULL,
        factory VARCHAR(42) NOT NULL,
        client VARCHAR(42) NOT NULL,
        freelancer VARCHAR(42) NOT NULL,
        arbiter VARCHAR(42) NOT NULL,
        token VARCHAR(42) NOT NULL,
        total NUMERIC(78, 0) NOT NULL,
        milestone_count INTEGER NOT NULL,
        review_period BIGINT NOT NULL,
        metadata_hash VARCHAR(66) NOT NULL,
        fee_bps INTEGER NOT NULL,
        treasury VARCHAR(42),
        status TEXT NOT NULL,
        funded_amount NUMERIC(78, 0) NOT NULL,
        released NUMERIC(78, 0) NOT NULL,
        refunded NUMERIC(78, 0) NOT NULL,
        fees NUMERIC(78, 0) NOT NULL,
        accepted BOOLEAN NOT NULL,
        completed BOOLEAN NOT NULL,
        created_block BIGINT NOT NULL,
        created_tx VARCHAR(66) NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL,
        block_number BIGINT NOT NULL,
        PRIMARY KEY (chain_id, address)
    )
    """,
    """
    CREATE INDEX ix_escrows_freelancer ON escrows (chain_id, freelancer)
    """,
    """
    CREATE INDEX ix_escrows_client ON escrows (chain_id, client)
    """,
    """
    CREATE TABLE events (
        id BIGSERIAL NOT NULL,
        chain_id BIGINT NOT NULL,
        block_number BIGINT NOT NULL,
        block_hash VARCHAR(66) NOT NULL,
        block_time TIMESTAMP WITH TIME ZONE NOT NULL,
        tx_hash VARCHAR(66) NOT NULL,
        tx_index INTEGER NOT NULL,
        log_index INTEGER NOT NULL,
        address VARCHAR(42) NOT NULL,
        contract TEXT NOT NULL,
        event_name TEXT NOT NULL,
        args JSONB NOT NULL,
        PRIMARY KEY (id),
        CONSTRAINT uq_events_chain_block_log UNIQUE (chain_id, block_hash, log_index)
    )
    """,
    """
    CREATE INDEX ix_events_chain_block ON events (chain_id, block_number, log_index)
    """,
    """
    CREATE INDEX ix_events_chain_tx ON events (chain_id, tx_hash)
    """,
    """
    CREATE INDEX ix_events_chain_address ON events (chain_id, address, block_number)
    """,
    """
    CREATE TABLE token_balances (
        chain_id BIGINT NOT NULL,
        token VARCHAR(42) NOT NULL,
        holder VARCHAR(42) NOT NULL,
        balance NUMERIC(78, 0) NOT NULL,
        block_number BIGINT NOT NULL,
        PRIMARY KEY (chain_id, token, holder)
    )
    """,
    """
    CREATE TABLE token_transfers (
        chain_id BIGINT NOT NULL,
        block_number BIGINT NOT NULL,
        log_index INTEGER NOT NULL,
        block_time TIMESTAMP WITH TIME ZONE NOT NULL,
        tx_hash VARCHAR(66) NOT NULL,
        token VARCHAR(42) NOT NULL,
        from_address VARCHAR(42) NOT NULL,
        to_address VARCHAR(42) NOT NULL,
        value NUMERIC(78, 0) NOT NULL,
        PRIMARY KEY (chain_id, block_number, log_index)
    )
    """,
    """
    CREATE INDEX ix_token_transfers_to ON token_transfers (chain_id, to_address, block_number)
    """,
    """
    CREATE INDEX ix_token_transfers_from ON token_transfers (chain_id, from_address, block_number)
    """,
    """
    CREATE TABLE transactions (
        chain_id BIGINT NOT NULL,
        tx_hash VARCHAR(66) NOT NULL,
        block_number BIGINT NOT NULL,
        block_hash VARCHAR(66) NOT NULL,
        tx_index INTEGER NOT NULL,
        from_address VARCHAR(42) NOT NULL,
        to_address VARCHAR(42),
        gas_used BIGINT NOT NULL,
        effective_gas_price NUMERIC(78, 0) NOT NULL,
        fee_wei NUMERIC(78, 0) NOT NULL,
        status SMALLINT NOT NULL,
        PRIMARY KEY (chain_id, tx_hash)
    )
    """,
    """
    CREATE INDEX ix_transactions_chain_from ON transactions (chain_id, from_address)
    """,
    """
    CREATE INDEX ix_transactions_chain_block ON transactions (chain_id, block_number)
    """,
    """
    CREATE TABLE treasury_distributions (
        chain_id BIGINT NOT NULL,
        block_number BIGINT NOT NULL,
        log_index INTEGER NOT NULL,
        block_time TIMESTAMP WITH TIME ZONE NOT NULL,
        tx_hash VARCHAR(66) NOT NULL,
        treasury VARCHAR(42) NOT NULL,
        token VARCHAR(42) NOT NULL,
        to_address VARCHAR(42) NOT NULL,
        amount NUMERIC(78, 0) NOT NULL,
        kind VARCHAR(66) NOT NULL,
        PRIMARY KEY (chain_id, block_number, log_index)
    )
    """,
    """
    CREATE TABLE treasury_inflows (
        chain_id BIGINT NOT NULL,
        block_number BIGINT NOT NULL,
        log_index INTEGER NOT NULL,
        block_time TIMESTAMP WITH TIME ZONE NOT NULL,
        tx_hash VARCHAR(66) NOT NULL,
        treasury VARCHAR(42) NOT NULL,
        token VARCHAR(42) NOT NULL,
        from_address VARCHAR(42) NOT NULL,
        amount NUMERIC(78, 0) NOT NULL,
        ref VARCHAR(66) NOT NULL,
        escrow VARCHAR(42),
        PRIMARY KEY (chain_id, block_number, log_index)
    )
    """,
    """
    CREATE TABLE treasury_splits (
        chain_id BIGINT NOT NULL,
        block_number BIGINT NOT NULL,
        log_index INTEGER NOT NULL,
        position INTEGER NOT NULL,
        treasury VARCHAR(42) NOT NULL,
        to_address VARCHAR(42) NOT NULL,
        bps INTEGER NOT NULL,
        kind VARCHAR(66) NOT NULL,
        PRIMARY KEY (chain_id, block_number, log_index, position)
    )
    """,
)

TABLES: tuple[str, ...] = ('blocks', 'carbon_offsets', 'chains', 'escrow_milestones', 'escrows', 'events', 'token_balances', 'token_transfers', 'transactions', 'treasury_distributions', 'treasury_inflows', 'treasury_splits')


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table}")
