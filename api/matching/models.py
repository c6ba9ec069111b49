"""Matching tables: precomputed features of each freelancer and project, and recompute runs.

Scores are computed per request from these features (weights from settings apply at once); what is
costly to derive (reputation from the index, verified skills from attestations, embeddings from the
model) is computed by rq jobs and stored here.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Computed, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy import text as sa_text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, new_id, utcnow

FREELANCER_SEARCH = "to_tsvector('english', coalesce(text, ''))"


class MatchFreelancer(Base):
    __tablename__ = "match_freelancers"
    __table_args__ = (
        Index("ix_match_freelancers_search", "search", postgresql_using="gin"),
        Index("ix_match_freelancers_skill_ids", "skill_ids", postgresql_using="gin"),
        Index("ix_match_freelancers_verified", "verified_skill_ids", postgresql_using="gin"),
        Index("ix_match_freelancers_popular", "completed", "reputation"),
        Index("ix_match_freelancers_xid", "xid"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"),
                                               primary_key=True)
    skill_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer), default=list)
    skill_levels: Mapped[dict[str, int]] = mapped_column(JSONB, default=dict)  # {"<skill id>": level 1-5}
    verified_skill_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer), default=list)
    reputation: Mapped[float] = mapped_column(Float, default=0.0)  # lancer-rep score, 0-100
    completed: Mapped[int] = mapped_column(Integer, default=0)  # completed escrows (popularity)
    tz_offset_minutes: Mapped[int] = mapped_column(Integer, default=0)
    availability: Mapped[str] = mapped_column(String(16), default="available")
    rates: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    is_new: Mapped[bool] = mapped_column(Boolean, default=True)
    # Profile bio and skill names: what the lexical ranker searches and the embedding is made of.
    text: Mapped[str] = mapped_column(Text, default="")
    search: Mapped[Any] = mapped_column(TSVECTOR, Computed(FREELANCER_SEARCH, persisted=True), deferred=True)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)  # float32 little-endian, unit length
    embedding_model: Mapped[str | None] = mapped_column(String(64))
    profile_created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The last writing transaction's id, set by a trigger (migration a0021): the feature store's change feed.
    xid: Mapped[int] = mapped_column(BigInteger, server_default=sa_text("0"))


class MatchFreelancerDeletion(Base):
    """One row per deleted feature row (a trigger writes it), so per-process stores drop the freelancer."""

    __tablename__ = "match_freelancer_deletions"

    xid: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    deleted_at: Mapped[datetime] = mapped_column(server_default=sa_text("now()"))


class MatchProject(Base):
    __tablename__ = "match_projects"

    project_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("projects.id", ondelete="CASCADE"),
                                                  primary_key=True)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    embedding_model: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MatchRun(Base):
    """One recompute (all, or one freelancer / project): queued -> running -> done | failed, with progress."""

    __tablename__ = "match_runs"
    __table_args__ = (Index("ix_match_runs_created", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    scope: Mapped[str] = mapped_column(String(16))  # all | freelancer | project
    subject_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    error: Mapped[str | None] = mapped_column(String(200))  # a safe summary, never exception text
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
