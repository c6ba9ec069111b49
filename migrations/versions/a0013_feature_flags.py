"""Feature flag overrides per user and per org; an index on projects.budget (a list filter).

Revision ID: a0013_feature_flags
Revises: a0012_integrations
Create Date: 2026-11-30
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0013_feature_flags"
down_revision: str | Sequence[str] | None = "a0012_integrations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feature_overrides",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("flag", sa.String(64), nullable=False),
        sa.Column("subject_kind", sa.String(8), nullable=False),
        sa.Column("subject_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("set_by", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feature_overrides"),
        sa.UniqueConstraint("flag", "subject_kind", "subject_id", name="uq_feature_overrides_subject"),
        sa.CheckConstraint("subject_kind IN ('user', 'org')", name="ck_feature_overrides_subject_kind"),
    )
    op.create_index("ix_feature_overrides_subject_id", "feature_overrides", ["subject_id"])
    # Every filter column of a list route has an index (tests/api/test_query_indexes.py).
    op.create_index("ix_projects_budget", "projects", ["budget"])


def downgrade() -> None:
    op.drop_index("ix_projects_budget", table_name="projects")
    op.drop_index("ix_feature_overrides_subject_id", table_name="feature_overrides")
    op.drop_table("feature_overrides")
