"""Support tables: tickets and their messages, agents, FAQ articles, and the chatbot's answers.

SLA: each ticket carries when a first agent reply and a solution are due (from settings at creation), when
they happened, and when the sweep (``api.support.jobs``) found it late (``breached_at``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Computed, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, new_id, utcnow

FAQ_SEARCH = ("setweight(to_tsvector('english', coalesce(question, '')), 'A') || "
              "setweight(to_tsvector('english', coalesce(answer, '')), 'B')")


class Agent(Base):
    __tablename__ = "support_agents"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    granted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Ticket(Base):
    __tablename__ = "support_tickets"
    __table_args__ = (
        Index("ix_support_tickets_requester", "requester_id", "updated_at", "id"),
        Index("ix_support_tickets_queue", "status", "updated_at", "id"),
        # The SLA sweep reads only the open tickets not yet marked late.
        Index("ix_support_tickets_sla", "first_response_due_at", postgresql_where="breached_at IS NULL"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    requester_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | pending | solved
    # Optional links: what the ticket is about.
    project_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"))
    contract_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("engagements.id", ondelete="SET NULL"))
    escrow: Mapped[str | None] = mapped_column(String(80))  # "<chain_id>:<checksummed address>"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_due_at: Mapped[datetime]
    resolution_due_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    solved_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    # A chatbot escalation to the widget provider (``api.support.escalation``): null when not sent there;
    # pending -> sent (provider_ref set) or failed (after the last attempt; provider_error a short code).
    provider_status: Mapped[str | None] = mapped_column(String(16))
    provider_ref: Mapped[str | None] = mapped_column(String(100))
    provider_attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    provider_error: Mapped[str | None] = mapped_column(String(32))


class TicketMessage(Base):
    __tablename__ = "support_messages"
    __table_args__ = (Index("ix_support_messages_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("support_tickets.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_agent: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FaqArticle(Base):
    __tablename__ = "support_faq_articles"
    __table_args__ = (Index("ix_support_faq_articles_search", "search", postgresql_using="gin"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    question: Mapped[str] = mapped_column(String(300))
    answer: Mapped[str] = mapped_column(Text)  # Markdown
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    helpful_yes: Mapped[int] = mapped_column(Integer, default=0)
    helpful_no: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    search: Mapped[Any] = mapped_column(TSVECTOR, Computed(FAQ_SEARCH, persisted=True), deferred=True)


class BotAnswer(Base):
    """One question put to the built-in chatbot, the articles it offered, and what came of it."""

    __tablename__ = "support_bot_answers"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(Text)
    article_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    helpful: Mapped[bool | None] = mapped_column(Boolean)
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("support_tickets.id", ondelete="SET NULL"))
    # The provider's conversation/ticket id when escalated to Intercom or Zendesk.
    provider_ref: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
