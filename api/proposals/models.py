"""Proposals and milestone templates."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, new_id, utcnow

# States that hold the freelancer's one place on a project.
ACTIVE_STATES = ("submitted", "shortlisted", "accepted")


class Proposal(Base):
    __tablename__ = "proposals"
    __table_args__ = (
        # One active proposal per freelancer per project, enforced by the database.
        Index("uq_proposals_active", "project_id", "freelancer_user_id", unique=True,
              postgresql_where=text("state IN ('submitted', 'shortlisted', 'accepted')")),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    freelancer_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    freelancer_address: Mapped[str] = mapped_column(String(42))  # the wallet the escrow pays
    cover_letter: Mapped[str] = mapped_column(Text)
    price: Mapped[Decimal] = mapped_column(Numeric(78, 0))
    # [{"title", "amount" (decimal string), "due_date"}]: amounts sum to ``price``.
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    review_period_seconds: Mapped[int] = mapped_column(default=7 * 86400)
    state: Mapped[str] = mapped_column(String(16), default="submitted")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MilestoneTemplate(Base):
    __tablename__ = "milestone_templates"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    # NULL: provided by the platform (seeded), visible to everyone.
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # [{"title", "bps", "review_period_seconds"}]: bps sum to 10000.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
