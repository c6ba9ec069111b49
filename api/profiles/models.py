"""The profile table: one row per user who set one up."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, utcnow


class Profile(Base):
    __tablename__ = "profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"),
                                               primary_key=True)
    # Lower case; unique (a case-insensitive handle cannot be impersonated with capitals).
    handle: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    bio: Mapped[str] = mapped_column(Text, default="")
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    links: Mapped[list[str]] = mapped_column(JSONB, default=list)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # [{"chain_id", "token", "amount"}]: hourly rate in base units (decimal string) per chain and token.
    rates: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    availability: Mapped[str] = mapped_column(String(16), default="available")
    is_freelancer: Mapped[bool] = mapped_column(Boolean, default=False)
    is_client: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
