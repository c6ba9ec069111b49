"""Conversations between users (optionally about a project, contract or escrow), and their messages."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, new_id, utcnow


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    # What it is about: project | contract | escrow (None: a direct conversation).
    subject_type: Mapped[str | None] = mapped_column(String(16))
    subject_id: Mapped[str | None] = mapped_column(String(200))
    # Makes "open the conversation" idempotent: ``direct:<user>:<user>`` (sorted) or
    # ``escrow:<chain>:<address>``; None for conversations that may exist several times.
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_conversations_subject", "subject_type", "subject_id"),)


class Participant(Base):
    __tablename__ = "conversation_participants"

    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"),
                                                       primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Everything up to this message id is read (0: nothing).
    last_read_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    sender_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_messages_conversation_id_id", "conversation_id", "id"),)
