"""Community (spaces, threads, posts, reactions, moderation, events) and support (tickets, agents, FAQ,
chatbot answers).

Revision ID: a0017_community_support
Revises: a0014_encryption_at_rest
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0017_community_support"
down_revision: str | Sequence[str] | None = "a0020_economy_more"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def _user_fk(column: str, table: str, *, cascade: bool = False) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=f"fk_{table}_{column}_users",
                                   ondelete="CASCADE" if cascade else "SET NULL")


def _community() -> None:
    op.create_table(
        "community_spaces",
        sa.Column("id", UUID, nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=True),
        sa.Column("min_balance", sa.Numeric(78, 0), nullable=True),
        sa.Column("created_by", UUID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_community_spaces"),
        sa.UniqueConstraint("slug", name="uq_community_spaces_slug"),
        _user_fk("created_by", "community_spaces"),
    )
    op.create_table(
        "community_threads",
        sa.Column("id", UUID, nullable=False),
        sa.Column("space_id", UUID, nullable=False),
        sa.Column("author_id", UUID, nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.String(32)), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_activity_at", TS, nullable=False),
        sa.Column("search", postgresql.TSVECTOR(),
                  sa.Computed("setweight(to_tsvector('english', coalesce(title, '')), 'A')", persisted=True),
                  nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_community_threads"),
        sa.ForeignKeyConstraint(["space_id"], ["community_spaces.id"], name="fk_community_threads_space_id_community_spaces",
                                ondelete="CASCADE"),
        _user_fk("author_id", "community_threads"),
    )
    op.create_index("ix_community_threads_author_id", "community_threads", ["author_id"])
    op.create_index("ix_community_threads_search", "community_threads", ["search"], postgresql_using="gin")
    op.create_index("ix_community_threads_tags", "community_threads", ["tags"], postgresql_using="gin")
    op.create_index("ix_community_threads_activity", "community_threads", ["last_activity_at", "id"])
    op.create_index("ix_community_threads_space_activity", "community_threads", ["space_id", "last_activity_at", "id"])
    op.create_table(
        "community_posts",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("thread_id", UUID, nullable=False),
        sa.Column("author_id", UUID, nullable=True),
        sa.Column("reply_to_id", sa.BigInteger(), nullable=True),
        sa.Column("is_opening", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("edited_at", TS, nullable=True),
        sa.Column("search", postgresql.TSVECTOR(),
                  sa.Computed("to_tsvector('english', coalesce(body, ''))", persisted=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_community_posts"),
        sa.ForeignKeyConstraint(["thread_id"], ["community_threads.id"], name="fk_community_posts_thread_id_community_threads",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reply_to_id"], ["community_posts.id"], name="fk_community_posts_reply_to_id_community_posts",
                                ondelete="SET NULL"),
        _user_fk("author_id", "community_posts"),
    )
    op.create_index("ix_community_posts_author_id", "community_posts", ["author_id"])
    op.create_index("ix_community_posts_search", "community_posts", ["search"], postgresql_using="gin")
    op.create_index("ix_community_posts_thread", "community_posts", ["thread_id", "id"])
    op.create_index("ix_community_posts_held", "community_posts", ["state", "id"])
    op.create_table(
        "community_reactions",
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("emoji", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("post_id", "user_id", "emoji", name="pk_community_reactions"),
        sa.ForeignKeyConstraint(["post_id"], ["community_posts.id"], name="fk_community_reactions_post_id_community_posts",
                                ondelete="CASCADE"),
        _user_fk("user_id", "community_reactions", cascade=True),
    )
    op.create_table(
        "community_moderators",
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("granted_by", UUID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_community_moderators"),
        _user_fk("user_id", "community_moderators", cascade=True),
        _user_fk("granted_by", "community_moderators"),
    )
    op.create_table(
        "community_bans",
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("banned_by", UUID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("user_id", name="pk_community_bans"),
        _user_fk("user_id", "community_bans", cascade=True),
        _user_fk("banned_by", "community_bans"),
    )
    op.create_table(
        "community_reports",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("reporter_id", UUID, nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("resolved_by", UUID, nullable=True),
        sa.Column("resolved_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_community_reports"),
        sa.ForeignKeyConstraint(["post_id"], ["community_posts.id"], name="fk_community_reports_post_id_community_posts",
                                ondelete="CASCADE"),
        _user_fk("reporter_id", "community_reports"),
        _user_fk("resolved_by", "community_reports"),
    )
    op.create_index("ix_community_reports_post_id", "community_reports", ["post_id"])
    op.create_index("ix_community_reports_status", "community_reports", ["status", "id"])
    op.create_table(
        "community_events",
        sa.Column("id", UUID, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("link", sa.String(500), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("created_by", UUID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_community_events"),
        _user_fk("created_by", "community_events"),
    )
    op.create_index("ix_community_events_starts", "community_events", ["starts_at", "id"])
    op.create_index("ix_community_events_ends", "community_events", ["ends_at", "id"])
    op.create_table(
        "community_rsvps",
        sa.Column("event_id", UUID, nullable=False),
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("event_id", "user_id", name="pk_community_rsvps"),
        sa.ForeignKeyConstraint(["event_id"], ["community_events.id"], name="fk_community_rsvps_event_id_community_events",
                                ondelete="CASCADE"),
        _user_fk("user_id", "community_rsvps", cascade=True),
    )


def _support() -> None:
    op.create_table(
        "support_agents",
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("granted_by", UUID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_support_agents"),
        _user_fk("user_id", "support_agents", cascade=True),
        _user_fk("granted_by", "support_agents"),
    )
    op.create_table(
        "support_tickets",
        sa.Column("id", UUID, nullable=False),
        sa.Column("requester_id", UUID, nullable=True),
        sa.Column("assignee_id", UUID, nullable=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("project_id", UUID, nullable=True),
        sa.Column("contract_id", UUID, nullable=True),
        sa.Column("escrow", sa.String(80), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("first_response_due_at", TS, nullable=False),
        sa.Column("resolution_due_at", TS, nullable=False),
        sa.Column("first_response_at", TS, nullable=True),
        sa.Column("solved_at", TS, nullable=True),
        sa.Column("breached_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_support_tickets"),
        _user_fk("requester_id", "support_tickets"),
        _user_fk("assignee_id", "support_tickets"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_support_tickets_project_id_projects",
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["contract_id"], ["engagements.id"], name="fk_support_tickets_contract_id_engagements",
                                ondelete="SET NULL"),
    )
    op.create_index("ix_support_tickets_assignee_id", "support_tickets", ["assignee_id"])
    op.create_index("ix_support_tickets_requester", "support_tickets", ["requester_id", "updated_at", "id"])
    op.create_index("ix_support_tickets_queue", "support_tickets", ["status", "updated_at", "id"])
    op.create_index("ix_support_tickets_sla", "support_tickets", ["first_response_due_at"],
                    postgresql_where=sa.text("breached_at IS NULL"))
    op.create_table(
        "support_messages",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", UUID, nullable=False),
        sa.Column("author_id", UUID, nullable=True),
        sa.Column("from_agent", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_support_messages"),
        sa.ForeignKeyConstraint(["ticket_id"], ["support_tickets.id"], name="fk_support_messages_ticket_id_support_tickets",
                                ondelete="CASCADE"),
        _user_fk("author_id", "support_messages"),
    )
    op.create_index("ix_support_messages_ticket", "support_messages", ["ticket_id", "id"])
    op.create_table(
        "support_faq_articles",
        sa.Column("id", UUID, nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("question", sa.String(300), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.String(32)), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("helpful_yes", sa.Integer(), nullable=False),
        sa.Column("helpful_no", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("search", postgresql.TSVECTOR(),
                  sa.Computed("setweight(to_tsvector('english', coalesce(question, '')), 'A') || "
                              "setweight(to_tsvector('english', coalesce(answer, '')), 'B')", persisted=True),
                  nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_support_faq_articles"),
        sa.UniqueConstraint("slug", name="uq_support_faq_articles_slug"),
    )
    op.create_index("ix_support_faq_articles_search", "support_faq_articles", ["search"], postgresql_using="gin")
    op.create_table(
        "support_bot_answers",
        sa.Column("id", UUID, nullable=False),
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("article_ids", postgresql.JSONB(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("ticket_id", UUID, nullable=True),
        sa.Column("provider_ref", sa.String(100), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_support_bot_answers"),
        _user_fk("user_id", "support_bot_answers", cascade=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["support_tickets.id"], name="fk_support_bot_answers_ticket_id_support_tickets",
                                ondelete="SET NULL"),
    )
    op.create_index("ix_support_bot_answers_user_id", "support_bot_answers", ["user_id"])


def upgrade() -> None:
    _community()
    _support()


def downgrade() -> None:
    for table in ("support_bot_answers", "support_faq_articles", "support_messages", "support_tickets",
                  "support_agents", "community_rsvps", "community_events", "community_reports", "community_bans",
                  "community_moderators", "community_reactions", "community_posts", "community_threads",
                  "community_spaces"):
        op.drop_table(table)
