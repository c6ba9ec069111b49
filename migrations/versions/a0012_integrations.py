"""Integrations: outgoing webhooks (endpoints, deliveries, attempts), Slack/Discord providers.

Revision ID: a0012_integrations
Revises: a0011_sustainability
Create Date: 2026-11-30
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0012_integrations"
down_revision: str | Sequence[str] | None = "a0011_sustainability"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
UID = postgresql.UUID(as_uuid=True)


def upgrade() -> None:
    op.create_table(
        "integrations",
        sa.Column("id", UID, nullable=False),
        sa.Column("owner_user_id", UID, nullable=True),
        sa.Column("owner_org_id", UID, nullable=True),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("config", postgresql.JSONB(), nullable=False),
        sa.Column("created_by", UID, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_integrations"),
        sa.CheckConstraint("(owner_user_id IS NULL) <> (owner_org_id IS NULL)", name="ck_integrations_one_owner"),
        sa.ForeignKeyConstraint(["owner_user_id"], ["users.id"], name="fk_integrations_owner_user_id_users",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_org_id"], ["organizations.id"],
                                name="fk_integrations_owner_org_id_organizations", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_integrations_created_by_users",
                                ondelete="SET NULL"),
    )
    op.create_index("ix_integrations_owner_user_id", "integrations", ["owner_user_id"])
    op.create_index("ix_integrations_owner_org_id", "integrations", ["owner_org_id"])
    op.create_table(
        "webhooks",
        sa.Column("id", UID, nullable=False),
        sa.Column("integration_id", UID, nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("events", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("disabled_reason", sa.String(32), nullable=True),
        sa.Column("secret_kid", sa.String(32), nullable=False),
        sa.Column("secret_blob", sa.LargeBinary(), nullable=False),
        sa.Column("previous_secret_kid", sa.String(32), nullable=True),
        sa.Column("previous_secret_blob", sa.LargeBinary(), nullable=True),
        sa.Column("previous_secret_expires_at", TZ, nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhooks"),
        sa.ForeignKeyConstraint(["integration_id"], ["integrations.id"],
                                name="fk_webhooks_integration_id_integrations", ondelete="CASCADE"),
    )
    op.create_index("ix_webhooks_integration_id", "webhooks", ["integration_id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("webhook_id", UID, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("replay_of", sa.BigInteger(), nullable=True),
        sa.Column("msg_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(32), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.ForeignKeyConstraint(["webhook_id"], ["webhooks.id"], name="fk_webhook_deliveries_webhook_id_webhooks",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_webhook_deliveries_queue", "webhook_deliveries", ["webhook_id", "status", "id"])
    op.create_index("uq_webhook_deliveries_event", "webhook_deliveries", ["webhook_id", "event_id"], unique=True,
                    postgresql_where=sa.text("event_id IS NOT NULL AND replay_of IS NULL"))
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("response_excerpt", sa.String(256), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_attempts"),
        sa.ForeignKeyConstraint(["delivery_id"], ["webhook_deliveries.id"],
                                name="fk_webhook_attempts_delivery_id_webhook_deliveries", ondelete="CASCADE"),
    )
    op.create_index("ix_webhook_attempts_delivery_id", "webhook_attempts", ["delivery_id"])


def downgrade() -> None:
    for table in ("webhook_attempts", "webhook_deliveries", "webhooks", "integrations"):
        op.drop_table(table)
