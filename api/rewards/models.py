"""Rewards epochs Lancer computed (one per chain, distributor and epoch number) and their leaves, with
each leaf's proof: what ``GET /v1/rewards/{address}`` serves and the claim transaction is built from.
Claim status is never stored here: it comes from the indexed ``Claimed`` events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, utcnow


class RewardsEpoch(Base):
    __tablename__ = "rewards_epochs"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    distributor: Mapped[str] = mapped_column(String(42), primary_key=True)
    epoch: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    token: Mapped[str] = mapped_column(String(42))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    root: Mapped[str] = mapped_column(String(66))
    total: Mapped[int] = mapped_column(Numeric(78, 0))
    leaf_count: Mapped[int] = mapped_column(Integer)
    rules: Mapped[dict[str, Any]] = mapped_column(JSONB)  # the rules as applied
    confirmed_block: Mapped[int] = mapped_column(BigInteger)  # the index's confirmed block when computed
    computed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class RewardsLeaf(Base):
    __tablename__ = "rewards_leaves"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    distributor: Mapped[str] = mapped_column(String(42), primary_key=True)
    epoch: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    leaf_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(42))
    amount: Mapped[int] = mapped_column(Numeric(78, 0))
    points: Mapped[int] = mapped_column(BigInteger)
    rebate: Mapped[int] = mapped_column(Numeric(78, 0))
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSONB)  # points per rule, fees, volume, stake, rebate bps
    proof: Mapped[list[str]] = mapped_column(JSONB)


Index("ix_rewards_leaves_account", RewardsLeaf.account, RewardsLeaf.chain_id)


class EconomyFeedItem(Base):
    """What the economy feed (``api.rewards.feed``) has already turned into outbox events: one row per
    indexed claim or stake change, keyed by the indexer's identity of the log."""

    __tablename__ = "economy_feed_items"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_hash: Mapped[str] = mapped_column(String(66), primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(String(66))
    contract: Mapped[str] = mapped_column(String(32))  # MerkleDistributor | LancerStaking
    address: Mapped[str] = mapped_column(String(42))
    event_name: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(42))
    status: Mapped[str] = mapped_column(String(16))  # pending | confirmed | retracted
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_economy_feed_items_open", "chain_id", "status", "block_number"),)
