"""Indexer tables (SQLAlchemy Core, own MetaData). The migration `i0002_chain_index` creates them.

Conventions: money and token amounts are NUMERIC(78,0) (a uint256 fits), addresses are stored
checksummed, hashes as 0x-hex text, times as timestamptz (UTC). Every chain-derived row carries the
block number it comes from, so "confirmed" is simply ``block_number <= chains.confirmed_block``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

Amount = Numeric(78, 0)
Address = String(42)
Hash = String(66)

# One row per indexed chain: the cursor (last fully written block) and what the node reported.
chains = Table(
    "chains",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("name", Text, nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("block_hash", Hash, nullable=True),
    Column("start_block", BigInteger, nullable=False),
    Column("head_block", BigInteger, nullable=True),
    Column("safe_block", BigInteger, nullable=True),
    Column("finalized_block", BigInteger, nullable=True),
    Column("confirmed_block", BigInteger, nullable=False, server_default="-1"),
    Column("head_seen_at", DateTime(timezone=True), nullable=True),
    Column("reorg_count", Integer, nullable=False, server_default="0"),
    Column("last_reorg_depth", Integer, nullable=True),
    Column("max_reorg_depth", Integer, nullable=False, server_default="0"),
    Column("last_reorg_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Headers the engine has verified: all blocks of the unconfirmed window, blocks with events, batch ends.
blocks = Table(
    "blocks",
    metadata,
    Column("chain_id", BigInteger, nullable=False),
    Column("number", BigInteger, nullable=False),
    Column("hash", Hash, nullable=False),
    Column("parent_hash", Hash, nullable=False),
    Column("timestamp", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("chain_id", "number"),
)

# Raw decoded logs of the platform contracts: the source every projection is rebuilt from.
events = Table(
    "events",
    metadata,
    Column("chain_id", BigInteger, nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("block_hash", Hash, nullable=False),
    Column("block_time", DateTime(timezone=True), nullable=False),
    Column("tx_hash", Hash, nullable=False),
    Column("tx_index", Integer, nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("address", Address, nullable=False),
    Column("contract", Text, nullable=False),
    Column("event_name", Text, nullable=False),
    Column("args", JSONB, nullable=False),
    # One key in chain order (appended to, not written at random places as a key on a hash is): a
    # chain's rows above the cursor are deleted before anything is written there (reorg rollback),
    # so one block number holds one block's logs. Reads by transaction go through the block number
    # (the transaction's block), so there is no index on tx_hash (migration i0011_events_lean_indexes).
    # No surrogate id (migration i0012_events_natural_key): a sequence call and one more btree per
    # raw event, and no read used it.
    PrimaryKeyConstraint("chain_id", "block_number", "log_index"),
    Index("ix_events_chain_address", "chain_id", "address", "block_number"),
    # Payouts of an escrow (earnings, invoices) without visiting its other events.
    Index("ix_events_escrow_payouts", "chain_id", "address", "block_number",
          postgresql_where=text("event_name IN ('MilestoneReleased', 'DisputeResolved')")),
)

# Transactions that emitted platform events, with gas from their receipts.
transactions = Table(
    "transactions",
    metadata,
    Column("chain_id", BigInteger, nullable=False),
    Column("tx_hash", Hash, nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("block_hash", Hash, nullable=False),
    Column("tx_index", Integer, nullable=False),
    Column("from_address", Address, nullable=False),
    Column("to_address", Address, nullable=True),
    Column("gas_used", BigInteger, nullable=False),
    Column("effective_gas_price", Amount, nullable=False),
    Column("fee_wei", Amount, nullable=False),
    Column("status", SmallInteger, nullable=False),
    PrimaryKeyConstraint("chain_id", "tx_hash"),
    Index("ix_transactions_chain_block", "chain_id", "block_number"),
    Index("ix_transactions_chain_from", "chain_id", "from_address"),
)

# --- projections -------------------------------------------------------------------------------

token_transfers = Table(
    "token_transfers",
    metadata,
    Column("chain_id", BigInteger, nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("block_time", DateTime(timezone=True), nullable=False),
    Column("tx_hash", Hash, nullable=False),
    Column("token", Address, nullable=False),
    Column("from_address", Address, nullable=False),
    Column("to_address", Address, nullable=False),
    Column("value", Amount, nullable=False),
    PrimaryKeyConstraint("chain_id", "block_number", "log_index"),
    Index("ix_token_transfers_from", "chain_id", "from_address", "block_number"),
    Index("ix_token_transfers_to", "chain_id", "to_address", "block_number"),
)

# Latest balance per holder; confirmed / as-of balances subtract the transfers above that block.
token_balances = Table(
    "token_balances",
    metadata,
    Column("chain_id", BigInteger, nullable=False),
    Column("token", Address, nullable=False),
    Column("holder", Address, nullable=False),
    Column("balance", Amount, nullable=False),
    Column("block_number", BigInteger, nullable=False),
    PrimaryKeyConstraint("chain_id", "token", "holder"),
    Index("ix_token_balances_holder", "chain_id", "holder"),
)

escrows = Table(
    "escrows",
    metadata,
    Column("chain_id", BigInteger, nullable=False),
    Column("address", Address, nullable=False),
    Column("factory", Address, nullable=False),
    Column("client", Address, nullable=False),
    Column("freelancer", Address, nullable=False),
    Column("arbiter", Address, nullable=False),
    Column("token", Address, nullable=False),
    Column("total", Amount, nullable=False),
    Column("milestone_count", Integer, nullable=False),
    Column("review_period", BigInteger, nullable=False),
    Column("metadata_hash", Hash, nullable=False),
    Column("fee_bps", Integer, nullable=False),
    Column("treasury", Address, nullable=True),
    Column("status", Text, nullable=False),
    Column("funded_amount", Amount, nullable=False),
    Column("released", Amount, nullable=False),
    Column("refunded", Amount, nullable=False),
    Column("fees", Amount, nullable=False),
    Column("accepted", Boolean, nullable=False),
    Column("completed", Boolean, nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),  # block time of Completed
    Column("created_block", BigInteger, nullable=False),
    Column("created_tx", Hash, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("block_number", BigInteger, nullable=False),
    PrimaryKeyConstraint("chain_id", "address"),
    Index("ix_escrows_client", "chain_id", "client"),
    Index("ix_escrows_freelancer", "chain_id", "freelancer"),
    Index("ix_escrows_arbiter", "chain_id", "arbiter"),
    Index("ix_escrows_created", "created_at", "chain_id", "address"),
    # A wallet's open escrows, newest first (the dashboards' positions), read from the index alone.
    Index("ix_escrows_client_open", "chain_id", "client", "created_at", postgresql_include=["address"],
          postgresql_where=text("NOT completed")),
    Index("ix_escrows_freelancer_open", "chain_id", "freelancer", "created_at", postgresql_include=["address"],
          postgresql_where=text("NOT completed")),
)

escrow_milestones = Table(
    "escrow_milestones",
    metadata,
    Column("chain_id", BigInteger, nullable=False),
    Column("escrow", Address, nullable=False),
    Column("index", Integer, nullable=False),
    Column("amount", Amount, nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=True),
    Column("deliverable_hash", Hash, nullable=True),
    Column("to_freelancer", Amount, nullable=False),
    Column("to_client", Amount, nullable=False),
    Column("fee", Amount, nullable=False),
    Column("disputed_by", Address, nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),  # block time of release / resolution / refund
    Column("block_number", BigInteger, nullable=False),
    PrimaryKeyConstraint("chain_id", "escrow", "index"),
    # Disputed (3) and resolved (4) milestones are few: the admin dashboard counts them without a scan.
    Index("ix_escrow_milestones_disputes", "chain_id", postgresql_where=text("status IN (3, 4)")),
)

treasury_inflows = Table(
    "treasury_inflows",
    metadata,
    Column("chain_id", BigInteger, nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("block_time", DateTime(timezone=True), nullable=False),
    Column("tx_hash", Hash, nullable=False),
    Column("treasury", Address, nullable=False),
    Column("token", Address, nullable=False),
    Column("from_address", Address, nullable=False),
    Column("amount", Amount, nullable=False),
    Column("ref", Hash, nullable=False),
    Column("escrow", Address, nullable=True),
    PrimaryKeyConstraint("chain_id", "block_number", "log_index"),
    Index("ix_treasury_inflows_time", "block_time"),
)

treasury_distributions = Table(
    "treasury_distributions",
    metadata,
    Column("chain_id", BigInteger, nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("block_time", DateTime(timezone=True), nullable=False),
    Column("tx_hash", Hash, nullable=False),
    Column("treasury", Address, nullable=False),
    Column("token", Address, nullable=False),
    Column("to_address", Address, nullable=False),
    Column("amount", Amount, nullable=False),
    Column("kind", Hash, nullable=False),
    PrimaryKeyConstraint("chain_id", "block_number", "log_index"),
    Index("ix_treasury_distributions_time", "block_time"),
)

# Every SplitsUpdated event's splits; the current splits are those of the highest block.
treasury_splits = Table(
    "treasury_splits",
    metadata,
    Column("chain_id", BigInteger, nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("treasury", Address, nullable=False),
    Column("to_address", Address, nullable=False),
    Column("bps", Integer, nullable=False),
    Column("kind", Hash, nullable=False),
    PrimaryKeyConstraint("chain_id", "block_number", "log_index", "position"),
)

carbon_offsets = Table(
    "carbon_offsets",
    metadata,
    Column("chain_id", BigInteger, nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("block_time", DateTime(timezone=True), nullable=False),
    Column("tx_hash", Hash, nullable=False),
    Column("treasury", Address, nullable=False),
    Column("certificate_id", Hash, nullable=False),
    Column("grams_co2e", Amount, nullable=False),
    Column("uri", Text, nullable=False),
    Column("recorded_by", Address, nullable=False),
    PrimaryKeyConstraint("chain_id", "block_number", "log_index"),
    Index("ix_carbon_offsets_time", "block_time"),
)

# Native-coin balances can't be derived from events: the engine snapshots them (eth_getBalance by
# block hash, at a batch's last block or deep in a backfill at the head) for every address seen in the
# batch's platform events. The latest snapshot at or below a block, of a block stored with the same
# hash, is the balance "as of" that snapshot's block (indexer.sync.store).
native_balances = Table(
    "native_balances",
    metadata,
    Column("chain_id", BigInteger, nullable=False),
    Column("holder", Address, nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("block_hash", Hash, nullable=True),
    Column("balance", Amount, nullable=False),
    PrimaryKeyConstraint("chain_id", "holder", "block_number"),
    Index("ix_native_balances_block", "chain_id", "block_number"),
)

# EAS attestations of Lancer's schemas (projection of EAS Attested/Revoked events, indexer.sources.eas).
# `time`/`expiration_time` are EAS's uint64 seconds (0 = never expires); `decoded` is the data decoded
# by the schema, integers as decimal strings; NULL when the data does not decode.
attestations = Table(
    "attestations",
    metadata,
    Column("chain_id", BigInteger, nullable=False),
    Column("uid", Hash, nullable=False),
    Column("schema", Hash, nullable=False),
    Column("attester", Address, nullable=False),
    Column("recipient", Address, nullable=False),
    Column("ref_uid", Hash, nullable=False),
    Column("time", BigInteger, nullable=False),
    Column("expiration_time", BigInteger, nullable=False),
    Column("revocable", Boolean, nullable=False),
    Column("data", Text, nullable=False),
    Column("decoded", JSONB, nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("revoked_block", BigInteger, nullable=True),
    Column("revoked_tx", Hash, nullable=True),
    Column("tx_hash", Hash, nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("block_time", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("chain_id", "uid"),
    Index("ix_attestations_recipient", "recipient", "schema"),
    Index("ix_attestations_schema", "schema", "time"),
    Index("ix_attestations_chain_block", "chain_id", "block_number"),
)

# ---- token economy (migration i0007_token_economy): one row per event, so a reorg deletes rows ----
# Epoch numbers and leaf indexes are uint256 in the contracts: NUMERIC(78,0) like amounts.


def _event_columns() -> list[Column]:  # type: ignore[type-arg]
    return [Column("chain_id", BigInteger, nullable=False), Column("block_number", BigInteger, nullable=False),
            Column("log_index", Integer, nullable=False), Column("block_time", DateTime(timezone=True), nullable=False),
            Column("tx_hash", Hash, nullable=False)]


# MerkleDistributor.RootPublished: an epoch's root, funded total and token.
reward_epochs = Table(
    "reward_epochs", metadata, *_event_columns(),
    Column("distributor", Address, nullable=False),
    Column("epoch", Amount, nullable=False),
    Column("root", Hash, nullable=False),
    Column("total", Amount, nullable=False),
    Column("token", Address, nullable=False),
    PrimaryKeyConstraint("chain_id", "block_number", "log_index"),
    Index("ix_reward_epochs_epoch", "chain_id", "distributor", "epoch"),
)

# MerkleDistributor.Claimed: leaf `leaf_index` of `epoch` paid `amount` to `account`.
reward_claims = Table(
    "reward_claims", metadata, *_event_columns(),
    Column("distributor", Address, nullable=False),
    Column("epoch", Amount, nullable=False),
    Column("leaf_index", Amount, nullable=False),
    Column("account", Address, nullable=False),
    Column("amount", Amount, nullable=False),
    PrimaryKeyConstraint("chain_id", "block_number", "log_index"),
    Index("ix_reward_claims_account", "account", "chain_id"),
    Index("ix_reward_claims_leaf", "chain_id", "distributor", "epoch", "leaf_index"),
)

# MerkleDistributor.Swept: the unclaimed rest of an expired epoch went to the treasury.
reward_sweeps = Table(
    "reward_sweeps", metadata, *_event_columns(),
    Column("distributor", Address, nullable=False),
    Column("epoch", Amount, nullable=False),
    Column("token", Address, nullable=False),
    Column("amount", Amount, nullable=False),
    Column("treasury", Address, nullable=False),
    PrimaryKeyConstraint("chain_id", "block_number", "log_index"),
)

# LancerStaking Staked / UnstakeRequested / Withdrawn / RewardPaid, one row each (`kind`); `unlock_at`
# (seconds) only for unstake requests.
staking_events = Table(
    "staking_events", metadata, *_event_columns(),
    Column("staking", Address, nullable=False),
    Column("account", Address, nullable=False),
    Column("kind", Text, nullable=False),
    Column("amount", Amount, nullable=False),
    Column("unlock_at", BigInteger, nullable=True),
    PrimaryKeyConstraint("chain_id", "block_number", "log_index"),
    Index("ix_staking_events_account", "account", "chain_id"),
)

# LancerStaking.RewardFunded.
staking_fundings = Table(
    "staking_fundings", metadata, *_event_columns(),
    Column("staking", Address, nullable=False),
    Column("funder", Address, nullable=False),
    Column("amount", Amount, nullable=False),
    Column("duration", BigInteger, nullable=False),
    Column("reward_rate_scaled", Amount, nullable=False),
    Column("period_finish", BigInteger, nullable=False),
    PrimaryKeyConstraint("chain_id", "block_number", "log_index"),
)

# LancerToken (ERC20Votes) DelegateChanged.
vote_delegations = Table(
    "vote_delegations", metadata, *_event_columns(),
    Column("token", Address, nullable=False),
    Column("delegator", Address, nullable=False),
    Column("from_delegate", Address, nullable=False),
    Column("to_delegate", Address, nullable=False),
    PrimaryKeyConstraint("chain_id", "block_number", "log_index"),
    Index("ix_vote_delegations_delegator", "chain_id", "token", "delegator", "block_number"),
)

# LancerToken DelegateVotesChanged: the delegate's votes after this event. Votes at block B are
# `new_votes` of the delegate's last row at or below B (the token's checkpoints, keyed by block number).
vote_checkpoints = Table(
    "vote_checkpoints", metadata, *_event_columns(),
    Column("token", Address, nullable=False),
    Column("delegate", Address, nullable=False),
    Column("previous_votes", Amount, nullable=False),
    Column("new_votes", Amount, nullable=False),
    PrimaryKeyConstraint("chain_id", "block_number", "log_index"),
    Index("ix_vote_checkpoints_delegate", "chain_id", "token", "delegate", "block_number", "log_index"),
)
