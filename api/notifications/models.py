"""Notification tables: what a user was told, how they want to be told, and each email sent for it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, SmallInteger, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, utcnow


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # One notification per (user, outbox event): a batch the outbox hands out again adds nothing.
        UniqueConstraint("user_id", "event_id", name="uq_notifications_user_event"),
        Index("ix_notifications_user_id_id", "user_id", "id"),
        Index("ix_notifications_unread", "user_id", postgresql_where=text("read_at IS NULL AND in_app")),
        Index("ix_notifications_ref", "user_id", "ref", postgresql_where=text("ref IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(BigInteger)  # the outbox event it came from
    kind: Mapped[str] = mapped_column(String(16))  # message | proposal | contract | mention | reply | ticket
    event_kind: Mapped[str] = mapped_column(String(64))  # the outbox kind, e.g. escrow.event.pending
    subject: Mapped[str] = mapped_column(String(200))
    # Chain events: ``<chain>:<block_hash>:<log_index>``, so a later confirmed/retracted event finds it.
    ref: Mapped[str | None] = mapped_column(String(200))
    # Chain events only: pending -> confirmed, or retracted after a reorg removed the event.
    status: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # False: stored only to be emailed (the user turned the in-app channel off for this kind).
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class NotificationPreference(Base):
    """A user's channels for one kind; a kind without a row uses ``service.DEFAULTS``."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    in_app: Mapped[bool] = mapped_column(Boolean)
    email: Mapped[bool] = mapped_column(Boolean)
    webhook: Mapped[bool] = mapped_column(Boolean)


class NotificationSettings(Base):
    """Where a user's notification emails go (no address: no email, whatever the preferences say)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EmailDelivery(Base):
    """One notification email: the rq job reads it by id (jobs carry no addresses) and records the outcome."""

    __tablename__ = "notification_emails"
    __table_args__ = (UniqueConstraint("notification_id", name="uq_notification_emails_notification"),
                      Index("ix_notification_emails_pending", "created_at",
                            postgresql_where=text("status = 'pending'")))

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    last_error: Mapped[str | None] = mapped_column(String(64))  # an error kind, never the server's text
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
