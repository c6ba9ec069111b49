"""Sustainability tables: the offsets an admin asked for (on chain through Treasury.recordOffset, or bought
from an offset provider and then recorded), with their certificate and where they stand."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, utcnow


class OffsetRequest(Base):
    """One offset. ``status``: requested -> (ordered, for a provider) -> recorded | failed.

    ``certificate_ref`` is the registry's certificate reference (or the provider's order id);
    ``certificate_id`` = keccak256(certificate_ref), the bytes32 Treasury.recordOffset stores."""

    __tablename__ = "sustainability_offsets"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    method: Mapped[str] = mapped_column(String(16))  # onchain | provider
    chain_id: Mapped[int | None] = mapped_column(BigInteger)  # where it is recorded (None: provider only)
    grams_co2e: Mapped[int] = mapped_column(BigInteger)
    certificate_ref: Mapped[str | None] = mapped_column(String(200))
    certificate_id: Mapped[str | None] = mapped_column(String(66), unique=True)
    certificate_uri: Mapped[str | None] = mapped_column(Text)
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_order_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="requested")
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


Index("ix_sustainability_offsets_created", OffsetRequest.created_at, OffsetRequest.id)
