"""Community tables: spaces (optionally token-gated), threads, posts, reactions, moderation, events.

A thread's opening text is its first post (``is_opening``), so reactions, reports, edits and hiding work the
same on every text. ``state`` of a thread or post: ``published``, ``held`` (a new account's first post,
waiting for a moderator) or ``hidden`` (a moderator took it down). Bodies are stored raw (Markdown) and
rendered on read (``api.kit.markdown``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, Computed, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, new_id, utcnow

THREAD_SEARCH = "setweight(to_tsvector('english', coalesce(title, '')), 'A')"
POST_SEARCH = "to_tsvector('english', coalesce(body, ''))"


class Space(Base):
    __tablename__ = "community_spaces"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    # Token gate: posting needs at least ``min_balance`` LNC base units (confirmed, summed over the poster's
    # linked wallets) on ``chain_id``. Both None: open to every signed-in user.
    chain_id: Mapped[int | None] = mapped_column(BigInteger)
    min_balance: Mapped[Decimal | None] = mapped_column(Numeric(78, 0))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Thread(Base):
    __tablename__ = "community_threads"
    __table_args__ = (
        Index("ix_community_threads_search", "search", postgresql_using="gin"),
        Index("ix_community_threads_tags", "tags", postgresql_using="gin"),
        Index("ix_community_threads_activity", "last_activity_at", "id"),
        Index("ix_community_threads_space_activity", "space_id", "last_activity_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    space_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("community_spaces.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    state: Mapped[str] = mapped_column(String(16), default="published")
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    search: Mapped[Any] = mapped_column(TSVECTOR, Computed(THREAD_SEARCH, persisted=True), deferred=True)


class Post(Base):
    __tablename__ = "community_posts"
    __table_args__ = (
        Index("ix_community_posts_search", "search", postgresql_using="gin"),
        Index("ix_community_posts_thread", "thread_id", "id"),
        Index("ix_community_posts_held", "state", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    thread_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("community_threads.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("community_posts.id", ondelete="SET NULL"))
    is_opening: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="published")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    search: Mapped[Any] = mapped_column(TSVECTOR, Computed(POST_SEARCH, persisted=True), deferred=True)


class Reaction(Base):
    __tablename__ = "community_reactions"

    post_id: Mapped[int] = mapped_column(ForeignKey("community_posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    emoji: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Moderator(Base):
    __tablename__ = "community_moderators"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    granted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Ban(Base):
    __tablename__ = "community_bans"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(500))
    banned_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]


class Report(Base):
    __tablename__ = "community_reports"
    __table_args__ = (Index("ix_community_reports_status", "status", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("community_posts.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved | dismissed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None]


class Event(Base):
    __tablename__ = "community_events"
    __table_args__ = (Index("ix_community_events_starts", "starts_at", "id"),
                      Index("ix_community_events_ends", "ends_at", "id"))

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    link: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rsvp(Base):
    __tablename__ = "community_rsvps"

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("community_events.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
