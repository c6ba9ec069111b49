"""The engagement table: the agreed terms, and the escrow they were prepared into."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, new_id, utcnow


class Engagement(Base):
    __tablename__ = "engagements"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), unique=True)
    client_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    freelancer_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    freelancer_address: Mapped[str] = mapped_column(String(42))
    chain_id: Mapped[int] = mapped_column(BigInteger)
    token: Mapped[str] = mapped_column(String(42))
    total: Mapped[Decimal] = mapped_column(Numeric(78, 0))
    # [{"title", "amount" (decimal string), "due_date"}], in escrow milestone order.
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    review_period_seconds: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by escrow/prepare (and replaced by a new prepare until the escrow exists on chain).
    client_address: Mapped[str | None] = mapped_column(String(42))
    arbiter: Mapped[str | None] = mapped_column(String(42))
    escrow_address: Mapped[str | None] = mapped_column(String(42), index=True)
    metadata_hash: Mapped[str | None] = mapped_column(String(66))
    prepared_at: Mapped[datetime | None]
