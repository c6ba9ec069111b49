"""Integrations, continued: per-request API key usage, Stripe Checkout Sessions and processed events,
GitHub repository links, processed deliveries and linked accounts (OAuth),
issue-tracker/document credentials and links (Jira, Trello, Notion, Google Drive).

Revision ID: a0019_integrations_more
Revises: a0014_encryption_at_rest
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0019_integrations_more"
down_revision: str | Sequence[str] | None = "a0018_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UID = postgresql.UUID(as_uuid=True)
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_key_requests",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("api_key_id", UID, nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("route", sa.String(200), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_api_key_requests"),
        sa.ForeignKeyConstraint(["api_key_id"], ["api_keys.id"], name="fk_api_key_requests_api_key_id_api_keys",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_api_key_requests_key_time", "api_key_requests", ["api_key_id", "created_at"])
    op.create_index("ix_api_key_requests_time", "api_key_requests", ["created_at"])
    op.create_table(
        "stripe_checkouts",
        sa.Column("id", UID, nullable=False),
        sa.Column("user_id", UID, nullable=False),
        sa.Column("session_id", sa.String(255), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("reference", sa.String(64), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("paid_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_stripe_checkouts"),
        sa.UniqueConstraint("session_id", name="uq_stripe_checkouts_session_id"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_stripe_checkouts_user_id_users",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_stripe_checkouts_user_id", "stripe_checkouts", ["user_id"])
    op.create_table(
        "stripe_events",
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_stripe_events"),
    )
    op.create_table(
        "github_repo_links",
        sa.Column("id", UID, nullable=False),
        sa.Column("project_id", UID, nullable=False),
        sa.Column("repo", sa.String(140), nullable=False),
        sa.Column("created_by", UID, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_github_repo_links"),
        sa.UniqueConstraint("project_id", "repo", name="uq_github_repo_links_project_repo"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_github_repo_links_project_id_projects",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_github_repo_links_created_by_users",
                                ondelete="SET NULL"),
    )
    op.create_index("ix_github_repo_links_repo", "github_repo_links", ["repo"])
    op.create_table(
        "github_deliveries",
        sa.Column("delivery_id", sa.String(64), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("delivery_id", name="pk_github_deliveries"),
    )
    op.create_table(
        "github_accounts",
        sa.Column("user_id", UID, nullable=False),
        sa.Column("github_id", sa.BigInteger(), nullable=False),
        sa.Column("login", sa.String(39), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("linked_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_github_accounts"),
        sa.UniqueConstraint("github_id", name="uq_github_accounts_github_id"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_github_accounts_user_id_users", ondelete="CASCADE"),
    )
    op.create_table(
        "tracker_credentials",
        sa.Column("id", UID, nullable=False),
        sa.Column("user_id", UID, nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("base_url", sa.String(300), nullable=False),
        sa.Column("account", sa.String(200), nullable=True),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tracker_credentials"),
        sa.UniqueConstraint("user_id", "provider", name="uq_tracker_credentials_user_provider"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_tracker_credentials_user_id_users",
                                ondelete="CASCADE"),
    )
    op.create_table(
        "tracker_links",
        sa.Column("id", UID, nullable=False),
        sa.Column("project_id", UID, nullable=False),
        sa.Column("milestone_index", sa.Integer(), nullable=True),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(200), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("status", sa.String(64), nullable=False),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("created_by", UID, nullable=True),
        sa.Column("fetched_at", TZ, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tracker_links"),
        sa.UniqueConstraint("project_id", "provider", "ref", name="uq_tracker_links_project_item"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_tracker_links_project_id_projects",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_tracker_links_created_by_users",
                                ondelete="SET NULL"),
    )


def downgrade() -> None:
    op.drop_table("tracker_links")
    op.drop_table("tracker_credentials")
    op.drop_table("github_accounts")
    op.drop_table("github_deliveries")
    op.drop_index("ix_github_repo_links_repo", table_name="github_repo_links")
    op.drop_table("github_repo_links")
    op.drop_table("stripe_events")
    op.drop_index("ix_stripe_checkouts_user_id", table_name="stripe_checkouts")
    op.drop_table("stripe_checkouts")
    op.drop_index("ix_api_key_requests_time", table_name="api_key_requests")
    op.drop_index("ix_api_key_requests_key_time", table_name="api_key_requests")
    op.drop_table("api_key_requests")
