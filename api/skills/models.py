"""Skill taxonomy and users' claimed skills."""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, ForeignKey, Identity, Integer, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base
from api.kit.encrypted import encrypted_columns


class Skill(Base):
    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(32), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class UserSkill(Base):
    __tablename__ = "user_skills"

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"),
                                               primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    years: Mapped[int] = mapped_column(SmallInteger, default=0)
    evidence_url: Mapped[str | None] = mapped_column(Text)  # encrypted at rest (below); at most 500 characters
    # Set by a passed skill verification (api.verification); attestations of the user's wallets also count.
    verified_status: Mapped[str] = mapped_column(String(16), default="unverified", server_default="unverified")


# Skill evidence (links to a user's work) is encrypted at rest, bound to the (user, skill) row.
SKILL_ENCRYPTION = encrypted_columns(UserSkill, row_key=lambda row: f"{row.user_id}:{row.skill_id}",
                                     text=["evidence_url"])
