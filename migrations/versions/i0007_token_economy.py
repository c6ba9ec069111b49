"""Token economy projections: reward epochs, claims and sweeps (MerkleDistributor), staking events and
fundings (LancerStaking), and LNC vote delegations and checkpoints (ERC20Votes).

Revision ID: i0007_token_economy
Revises: i0006_escrow_close_times
Create Date: 2026-11-30

One row per event in every table, so a reorg deletes the rows above the common ancestor. LNC was
already followed with every topic, so its delegation events are in the raw ``events`` table: the vote
tables are filled from there once, here (``lancer index rebuild`` gives the same rows). The distributor
and staking were not followed before: their tables start empty.
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "i0007_token_economy"
down_revision: str | Sequence[str] | None = "i0006_escrow_close_times"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("reward_epochs", "reward_claims", "reward_sweeps", "staking_events", "staking_fundings",
          "vote_delegations", "vote_checkpoints")

STATEMENTS: tuple[str, ...] = (
    """CREATE TABLE reward_epochs (
	chain_id BIGINT NOT NULL,
	block_number BIGINT NOT NULL,
	log_index INTEGER NOT NULL,
	block_time TIMESTAMP WITH TIME ZONE NOT NULL,
	tx_hash VARCHAR(66) NOT NULL,
	distributor VARCHAR(42) NOT NULL,
	epoch NUMERIC(78, 0) NOT NULL,
	root VARCHAR(66) NOT NULL,
	total NUMERIC(78, 0) NOT NULL,
	token VARCHAR(42) NOT NULL,
	PRIMARY KEY (chain_id, block_number, log_index)
)""",
    "CREATE INDEX ix_reward_epochs_epoch ON reward_epochs (chain_id, distributor, epoch)",
    """CREATE TABLE reward_claims (
	chain_id BIGINT NOT NULL,
	block_number BIGINT NOT NULL,
	log_index INTEGER NOT NULL,
	block_time TIMESTAMP WITH TIME ZONE NOT NULL,
	tx_hash VARCHAR(66) NOT NULL,
	distributor VARCHAR(42) NOT NULL,
	epoch NUMERIC(78, 0) NOT NULL,
	leaf_index NUMERIC(78, 0) NOT NULL,
	account VARCHAR(42) NOT NULL,
	amount NUMERIC(78, 0) NOT NULL,
	PRIMARY KEY (chain_id, block_number, log_index)
)""",
    "CREATE INDEX ix_reward_claims_account ON reward_claims (account, chain_id)",
    "CREATE INDEX ix_reward_claims_leaf ON reward_claims (chain_id, distributor, epoch, leaf_index)",
    """CREATE TABLE reward_sweeps (
	chain_id BIGINT NOT NULL,
	block_number BIGINT NOT NULL,
	log_index INTEGER NOT NULL,
	block_time TIMESTAMP WITH TIME ZONE NOT NULL,
	tx_hash VARCHAR(66) NOT NULL,
	distributor VARCHAR(42) NOT NULL,
	epoch NUMERIC(78, 0) NOT NULL,
	token VARCHAR(42) NOT NULL,
	amount NUMERIC(78, 0) NOT NULL,
	treasury VARCHAR(42) NOT NULL,
	PRIMARY KEY (chain_id, block_number, log_index)
)""",
    """CREATE TABLE staking_events (
	chain_id BIGINT NOT NULL,
	block_number BIGINT NOT NULL,
	log_index INTEGER NOT NULL,
	block_time TIMESTAMP WITH TIME ZONE NOT NULL,
	tx_hash VARCHAR(66) NOT NULL,
	staking VARCHAR(42) NOT NULL,
	account VARCHAR(42) NOT NULL,
	kind TEXT NOT NULL,
	amount NUMERIC(78, 0) NOT NULL,
	unlock_at BIGINT,
	PRIMARY KEY (chain_id, block_number, log_index)
)""",
    "CREATE INDEX ix_staking_events_account ON staking_events (account, chain_id)",
    """CREATE TABLE staking_fundings (
	chain_id BIGINT NOT NULL,
	block_number BIGINT NOT NULL,
	log_index INTEGER NOT NULL,
	block_time TIMESTAMP WITH TIME ZONE NOT NULL,
	tx_hash VARCHAR(66) NOT NULL,
	staking VARCHAR(42) NOT NULL,
	funder VARCHAR(42) NOT NULL,
	amount NUMERIC(78, 0) NOT NULL,
	duration BIGINT NOT NULL,
	reward_rate_scaled NUMERIC(78, 0) NOT NULL,
	period_finish BIGINT NOT NULL,
	PRIMARY KEY (chain_id, block_number, log_index)
)""",
    """CREATE TABLE vote_delegations (
	chain_id BIGINT NOT NULL,
	block_number BIGINT NOT NULL,
	log_index INTEGER NOT NULL,
	block_time TIMESTAMP WITH TIME ZONE NOT NULL,
	tx_hash VARCHAR(66) NOT NULL,
	token VARCHAR(42) NOT NULL,
	delegator VARCHAR(42) NOT NULL,
	from_delegate VARCHAR(42) NOT NULL,
	to_delegate VARCHAR(42) NOT NULL,
	PRIMARY KEY (chain_id, block_number, log_index)
)""",
    "CREATE INDEX ix_vote_delegations_delegator ON vote_delegations (chain_id, token, delegator, block_number)",
    """CREATE TABLE vote_checkpoints (
	chain_id BIGINT NOT NULL,
	block_number BIGINT NOT NULL,
	log_index INTEGER NOT NULL,
	block_time TIMESTAMP WITH TIME ZONE NOT NULL,
	tx_hash VARCHAR(66) NOT NULL,
	token VARCHAR(42) NOT NULL,
	delegate VARCHAR(42) NOT NULL,
	previous_votes NUMERIC(78, 0) NOT NULL,
	new_votes NUMERIC(78, 0) NOT NULL,
	PRIMARY KEY (chain_id, block_number, log_index)
)""",
    "CREATE INDEX ix_vote_checkpoints_delegate ON vote_checkpoints (chain_id, token, delegate, block_number, log_index)",
    """
    INSERT INTO vote_delegations (chain_id, block_number, log_index, block_time, tx_hash, token, delegator,
                                  from_delegate, to_delegate)
    SELECT chain_id, block_number, log_index, block_time, tx_hash, address, args->>'delegator',
           args->>'fromDelegate', args->>'toDelegate'
      FROM events WHERE contract = 'LancerToken' AND event_name = 'DelegateChanged'
    ON CONFLICT DO NOTHING
    """,
    """
    INSERT INTO vote_checkpoints (chain_id, block_number, log_index, block_time, tx_hash, token, delegate,
                                  previous_votes, new_votes)
    SELECT chain_id, block_number, log_index, block_time, tx_hash, address, args->>'delegate',
           CAST(args->>'previousVotes' AS NUMERIC), CAST(args->>'newVotes' AS NUMERIC)
      FROM events WHERE contract = 'LancerToken' AND event_name = 'DelegateVotesChanged'
    ON CONFLICT DO NOTHING
    """,
)


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table}")
