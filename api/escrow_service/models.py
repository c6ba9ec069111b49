"""Escrow-as-a-service intents: another platform's escrow terms, the escrow they were prepared into, and
the last chain-derived state the sync wrote to the outbox (the API itself derives state on every read)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, new_id, utcnow


class EscrowIntent(Base):
    __tablename__ = "escrow_intents"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    # The key owner (an API key acts for its user; a user's own token may create intents too).
    owner_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    external_id: Mapped[str] = mapped_column(String(128))
    chain_id: Mapped[int] = mapped_column(BigInteger)
    token: Mapped[str] = mapped_column(String(42))
    client_address: Mapped[str] = mapped_column(String(42))
    freelancer_address: Mapped[str] = mapped_column(String(42))
    arbiter: Mapped[str] = mapped_column(String(42))
    total: Mapped[Decimal] = mapped_column(Numeric(78, 0))
    # [{"title", "amount" (decimal string)}], in escrow milestone order.
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    review_period_seconds: Mapped[int] = mapped_column(BigInteger)
    escrow_address: Mapped[str] = mapped_column(String(42))
    metadata_hash: Mapped[str] = mapped_column(String(66))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the sync last announced (outbox): the pending view (state, its block, how many events it folded)
    # and the confirmed view. A pending view with fewer events or an older block means a reorg retracted.
    pending_state: Mapped[str] = mapped_column(String(32), default="awaiting_funding")
    pending_block: Mapped[int | None] = mapped_column(BigInteger)
    pending_events: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_state: Mapped[str] = mapped_column(String(32), default="awaiting_funding")
    confirmed_block: Mapped[int | None] = mapped_column(BigInteger)
    synced_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("owner_user_id", "external_id", name="uq_escrow_intents_owner_external_id"),
        Index("ix_escrow_intents_owner_created", "owner_user_id", "created_at", "id"),
        Index("ix_escrow_intents_open", "confirmed_state"),
        Index("ix_escrow_intents_escrow", "chain_id", "escrow_address"),
    )
