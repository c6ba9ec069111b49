"""Per-user and per-org overrides of the product areas' feature flags."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, new_id, utcnow


class FeatureOverride(Base):
    __tablename__ = "feature_overrides"
    __table_args__ = (UniqueConstraint("flag", "subject_kind", "subject_id", name="uq_feature_overrides_subject"),
                      CheckConstraint("subject_kind IN ('user', 'org')", name="subject_kind"))

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    flag: Mapped[str] = mapped_column(String(64))  # the settings attribute, e.g. enable_matching
    subject_kind: Mapped[str] = mapped_column(String(8))  # user | org
    # No foreign key: one column for users and orgs; erasure and org deletion remove the rows (service).
    subject_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(200))
    set_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
