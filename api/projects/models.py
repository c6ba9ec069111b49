"""The project table. ``search`` is a generated tsvector (title weighted over description) with a GIN index."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Computed, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, new_id, utcnow

SEARCH_EXPRESSION = ("setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
                     "setweight(to_tsvector('english', coalesce(description, '')), 'B')")


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        # fastupdate off: no pending list for searches to scan between vacuums (migration a0026).
        Index("ix_projects_search", "search", postgresql_using="gin", postgresql_with={"fastupdate": "off"}),
        Index("ix_projects_skill_ids", "skill_ids", postgresql_using="gin", postgresql_with={"fastupdate": "off"}),
        Index("ix_projects_created", "created_at", "id"),
        Index("ix_projects_budget", "budget"),
        Index("ix_projects_xid", "xid"),  # min_budget/max_budget filters (tests/api/test_query_indexes.py)
        # Open public projects' skills without their wide rows: the dashboards' skill-overlap ranking reads
        # this index only (api/dashboard/feed.py).
        Index("ix_projects_open_skills", "created_at", "id", postgresql_include=["skill_ids", "client_user_id"],
              postgresql_where=text("state = 'open' AND visibility = 'public'")),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    client_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The client team it belongs to (its owners and admins manage it, its members see it); optional.
    org_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    skill_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer), default=list)
    budget: Mapped[Decimal] = mapped_column(Numeric(78, 0))
    chain_id: Mapped[int] = mapped_column(BigInteger)
    token: Mapped[str] = mapped_column(String(42))  # 0x0…0 for the chain's native coin
    # [{"title", "amount"}]: the client's planned milestones (amounts sum to the budget), may be empty.
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    invitees: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), default=list)
    deadline: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Deferred: only the WHERE clause uses it; loading it with every row would ship each row's lexemes.
    search: Mapped[Any] = mapped_column(TSVECTOR, Computed(SEARCH_EXPRESSION, persisted=True), deferred=True)
    # The last writing transaction's id, set by a trigger (migration a0028): the search index's change feed.
    xid: Mapped[int] = mapped_column(BigInteger, server_default=text("0"), deferred=True)


class ProjectDeletion(Base):
    """One row per deleted project (a trigger writes it), so per-process search indexes drop it."""

    __tablename__ = "project_deletions"

    xid: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    deleted_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
