"""Audit log (append-only, enforced by triggers) and privacy requests (exports, deletions).

Revision ID: a0003_audit_privacy
Revises: a0002_identity
Create Date: 2026-11-25
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0003_audit_privacy"
down_revision: str | Sequence[str] | None = "a0002_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("occurred_at", TZ, server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_user_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("user_agent", sa.String(512), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("details", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_actor_user_id_id", "audit_events", ["actor_user_id", "id"])
    op.create_index("ix_audit_events_action_id", "audit_events", ["action", "id"])
    op.execute(
        """
        CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
    )
    op.create_table(
        "privacy_exports",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("completed_at", TZ, nullable=True),
        sa.Column("expires_at", TZ, nullable=True),
        sa.Column("archive", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_exports"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_privacy_exports_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_privacy_exports_user_id", "privacy_exports", ["user_id"])
    op.create_table(
        "privacy_deletions",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("scheduled_for", TZ, nullable=False),
        sa.Column("completed_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_deletions"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_privacy_deletions_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_privacy_deletions_user_id", "privacy_deletions", ["user_id"])


def downgrade() -> None:
    op.drop_table("privacy_deletions")
    op.drop_table("privacy_exports")
    op.execute("DROP TABLE audit_events")
    op.execute("DROP FUNCTION audit_events_append_only()")
