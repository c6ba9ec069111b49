"""Matching: a change feed of ``match_freelancers`` for the per-process feature store.

Each row carries the id of the transaction that last wrote it (``xid``, set by a trigger) and each
deletion leaves a row in ``match_freelancer_deletions`` (also a trigger, so SQL writes, COPY and
cascades are covered). A reader that remembers its last snapshot (xmax and the ids then in progress)
fetches exactly the rows written since: ``xid >= xmax OR xid = ANY(in progress)``, index lookups, so a
transaction that commits late is never missed (``api.matching.store.synced``).

Revision ID: a0021_matching_store
Revises: a0021_message_versions
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0021_matching_store"
down_revision: str | Sequence[str] | None = "a0021_message_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("match_freelancers", sa.Column("xid", sa.BigInteger(), server_default=sa.text("0"), nullable=False))
    op.create_index("ix_match_freelancers_xid", "match_freelancers", ["xid"])
    op.create_table(
        "match_freelancer_deletions",
        sa.Column("xid", sa.BigInteger(), nullable=False),
        sa.Column("user_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("xid", "user_id", name="pk_match_freelancer_deletions"),
    )
    op.execute("""
        CREATE FUNCTION match_freelancers_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.xid := pg_current_xact_id()::text::bigint;
            RETURN NEW;
        END $$;
        CREATE TRIGGER match_freelancers_stamp BEFORE INSERT OR UPDATE ON match_freelancers
            FOR EACH ROW EXECUTE FUNCTION match_freelancers_stamp();
        CREATE FUNCTION match_freelancers_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO match_freelancer_deletions (xid, user_id)
                VALUES (pg_current_xact_id()::text::bigint, OLD.user_id) ON CONFLICT DO NOTHING;
            RETURN OLD;
        END $$;
        CREATE TRIGGER match_freelancers_deleted AFTER DELETE ON match_freelancers
            FOR EACH ROW EXECUTE FUNCTION match_freelancers_deleted();
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER match_freelancers_deleted ON match_freelancers; "
               "DROP TRIGGER match_freelancers_stamp ON match_freelancers; "
               "DROP FUNCTION match_freelancers_deleted(); DROP FUNCTION match_freelancers_stamp()")
    op.drop_table("match_freelancer_deletions")
    op.drop_index("ix_match_freelancers_xid", table_name="match_freelancers")
    op.drop_column("match_freelancers", "xid")
