"""Project search's change feed, for the per-process search index (``api.projects.search_index``).

Each project row carries the id of the transaction that last wrote it (``xid``, set by a trigger) and each
deletion leaves a row in ``project_deletions`` (a trigger too, so SQL writes, COPY and cascades are all
covered): an index that remembers its last snapshot reads exactly the rows written since, as the matching
store does (a0021_matching_store). Organization memberships now move the ``projects`` data version: a
signed-in search shows the viewer's organizations' projects, so the index's cached memberships must not
outlive a change to them.

Revision ID: a0028_project_search_feed
Revises: a0027_session_version
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0028_project_search_feed"
down_revision: str | Sequence[str] | None = "a0027_session_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("projects", sa.Column("xid", sa.BigInteger(), server_default=sa.text("0"), nullable=False))
    op.create_index("ix_projects_xid", "projects", ["xid"])
    op.create_table(
        "project_deletions",
        sa.Column("xid", sa.BigInteger(), nullable=False),
        sa.Column("project_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("xid", "project_id", name="pk_project_deletions"),
    )
    op.execute("""
        CREATE FUNCTION projects_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.xid := pg_current_xact_id()::text::bigint;
            RETURN NEW;
        END $$;
        CREATE TRIGGER projects_stamp BEFORE INSERT OR UPDATE ON projects
            FOR EACH ROW EXECUTE FUNCTION projects_stamp();
        CREATE FUNCTION projects_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO project_deletions (xid, project_id)
                VALUES (pg_current_xact_id()::text::bigint, OLD.id) ON CONFLICT DO NOTHING;
            RETURN OLD;
        END $$;
        CREATE TRIGGER projects_deleted AFTER DELETE ON projects
            FOR EACH ROW EXECUTE FUNCTION projects_deleted();
        CREATE TRIGGER org_members_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON org_members
            FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('projects');
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER org_members_data_version ON org_members; "
               "DROP TRIGGER projects_deleted ON projects; DROP TRIGGER projects_stamp ON projects; "
               "DROP FUNCTION projects_deleted(); DROP FUNCTION projects_stamp()")
    op.drop_table("project_deletions")
    op.drop_index("ix_projects_xid", table_name="projects")
    op.drop_column("projects", "xid")
