"""``message.created`` events no longer bump ``user_data_versions``.

The trigger of a0018 upserts one counter row per audience member of every outbox event, in the
writer's transaction: for a message in a conversation of a thousand people that was a thousand row
updates (and their WAL) inside each POST, most of its time. The only thing on a cached screen that a
message changes is the unread count, and the dashboard's cache key now covers it directly (the newest
message id of each of the user's conversations, next to their read positions).

Revision ID: a0021_message_versions
Revises: a0022_dashboard_volume_rollup
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "a0021_message_versions"
down_revision: str | Sequence[str] | None = "a0022_dashboard_volume_rollup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = """
CREATE OR REPLACE FUNCTION outbox_bump_user_data_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.audience IS NOT NULL AND NEW.kind {skip} THEN
        -- The audience is sorted (api.kit.outbox.record), so concurrent writers lock rows in one order.
        INSERT INTO user_data_versions (user_id, version)
        SELECT u, 1 FROM unnest(NEW.audience) AS u
        ON CONFLICT (user_id) DO UPDATE SET version = user_data_versions.version + 1;
    END IF;
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.execute(BUMP.format(skip="<> 'message.created'"))


def downgrade() -> None:
    op.execute(BUMP.format(skip="IS NOT NULL"))
