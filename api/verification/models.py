"""One verification attempt of one skill by one method."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, utcnow

METHODS = ("quiz", "code_challenge", "evidence", "github")
# started -> (grading) -> passed | failed | expired; human methods: started -> in_review -> passed | failed
OPEN_STATUSES = ("started", "grading", "in_review")


class SkillVerification(Base):
    __tablename__ = "skill_verifications"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="started")
    score: Mapped[float | None] = mapped_column(Float)
    level: Mapped[int] = mapped_column(SmallInteger)  # the level a pass attests
    # Method state the caller must not see (quiz answer keys stay in the bank file; the choice order
    # shown, the challenge id, the GitHub OAuth state, the repository link...).
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_type: Mapped[str | None] = mapped_column(String(100))
    evidence_size: Mapped[int | None] = mapped_column(BigInteger)
    expires_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_note: Mapped[str | None] = mapped_column(Text)
    attestation_uid: Mapped[str | None] = mapped_column(String(66))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# My attempts of a skill (cooldowns, one open attempt per method); the reviewer queue in submission order.
Index("ix_skill_verifications_user_skill", SkillVerification.user_id, SkillVerification.skill_id,
      SkillVerification.method, SkillVerification.created_at)
Index("ix_skill_verifications_queue", SkillVerification.status, SkillVerification.submitted_at,
      SkillVerification.id)
