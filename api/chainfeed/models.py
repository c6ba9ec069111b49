"""What the chain feed has already turned into outbox events: one row per indexed escrow event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, utcnow


class FeedItem(Base):
    __tablename__ = "chain_feed_items"

    # The indexer's identity of a log: a reorg gives the replacing block another hash.
    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_hash: Mapped[str] = mapped_column(String(66), primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(String(66))
    event_name: Mapped[str] = mapped_column(String(64))
    escrow: Mapped[str] = mapped_column(String(42))
    status: Mapped[str] = mapped_column(String(16))  # pending | confirmed | retracted
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_chain_feed_items_open", "chain_id", "status", "block_number"),)
