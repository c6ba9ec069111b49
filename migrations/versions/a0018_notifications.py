"""Notifications (in-app list, preferences, emails) and per-user data versions for the dashboards' cache.

``user_data_versions`` counts, per user, the outbox events addressed to them: a trigger on
``outbox_events`` bumps it in the writing transaction, so a dashboard cached under a user's version is
never served after a change to their data commits.

Revision ID: a0018_notifications
Revises: a0014_encryption_at_rest
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0018_notifications"
down_revision: str | Sequence[str] | None = "a0014_encryption_at_rest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
UID = postgresql.UUID(as_uuid=True)

BUMP = """
CREATE OR REPLACE FUNCTION outbox_bump_user_data_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.audience IS NOT NULL THEN
        -- The audience is sorted (api.kit.outbox.record), so concurrent writers lock rows in one order.
        INSERT INTO user_data_versions (user_id, version)
        SELECT u, 1 FROM unnest(NEW.audience) AS u
        ON CONFLICT (user_id) DO UPDATE SET version = user_data_versions.version + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_events_bump_user_data_versions AFTER INSERT ON outbox_events
    FOR EACH ROW EXECUTE FUNCTION outbox_bump_user_data_versions();
"""


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", UID, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("event_kind", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("ref", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("read_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("user_id", "event_id", name="uq_notifications_user_event"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_notifications_user_id_users", ondelete="CASCADE"),
    )
    op.create_index("ix_notifications_user_id_id", "notifications", ["user_id", "id"])
    op.create_index("ix_notifications_unread", "notifications", ["user_id"],
                    postgresql_where=sa.text("read_at IS NULL AND in_app"))
    op.create_index("ix_notifications_ref", "notifications", ["user_id", "ref"],
                    postgresql_where=sa.text("ref IS NOT NULL"))
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", UID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("webhook", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "kind", name="pk_notification_preferences"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_notification_preferences_user_id_users",
                                ondelete="CASCADE"),
    )
    op.create_table(
        "notification_settings",
        sa.Column("user_id", UID, nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_notification_settings"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_notification_settings_user_id_users",
                                ondelete="CASCADE"),
    )
    op.create_table(
        "notification_emails",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("notification_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("last_error", sa.String(64), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notification_emails"),
        sa.UniqueConstraint("notification_id", name="uq_notification_emails_notification"),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"],
                                name="fk_notification_emails_notification_id_notifications", ondelete="CASCADE"),
    )
    op.create_index("ix_notification_emails_pending", "notification_emails", ["created_at"],
                    postgresql_where=sa.text("status = 'pending'"))
    # No foreign key to users: an outbox audience may name a user erased since, and the writer's
    # transaction must not fail for it. A counter says nothing about anyone.
    op.create_table(
        "user_data_versions",
        sa.Column("user_id", UID, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_user_data_versions"),
    )
    op.execute(BUMP)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS outbox_events_bump_user_data_versions ON outbox_events")
    op.execute("DROP FUNCTION IF EXISTS outbox_bump_user_data_versions()")
    for table in ("user_data_versions", "notification_emails", "notification_settings", "notification_preferences",
                  "notifications"):
        op.drop_table(table)
