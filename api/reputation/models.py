"""Persisted reputation: the events derived from confirmed facts, and the score each time it changed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Identity, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, utcnow


class ReputationEvent(Base):
    """A confirmed fact that counts (escrow completed, on-time delivery, dispute won/lost, review received,
    skill verified). Deleted when a reorg retracts the fact (the next refresh no longer derives it)."""

    __tablename__ = "reputation_events"
    __table_args__ = (UniqueConstraint("address", "key", name="uq_reputation_events_address_key"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(42))
    key: Mapped[str] = mapped_column(String(200))  # names the fact: type, chain, escrow, milestone or UID
    type: Mapped[str] = mapped_column(String(32))
    weight: Mapped[float] = mapped_column(Float)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime]  # when the fact happened (block time or attestation time)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReputationScore(Base):
    """The score of one wallet, a new row each time it changes: the rows are the time series."""

    __tablename__ = "reputation_scores"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(42))
    score: Mapped[float] = mapped_column(Float)
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSONB)
    formula_version: Mapped[str] = mapped_column(String(32))
    data_version: Mapped[str] = mapped_column(String(64))  # index + attestation version it was computed from
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_reputation_events_address_created", ReputationEvent.address, ReputationEvent.created_at)
Index("ix_reputation_events_user_id", ReputationEvent.user_id)
Index("ix_reputation_scores_address_updated", ReputationScore.address, ReputationScore.updated_at)
Index("ix_reputation_scores_user_id", ReputationScore.user_id)
