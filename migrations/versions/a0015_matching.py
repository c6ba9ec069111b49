"""Matching: precomputed features of freelancers and projects, recompute runs; pgvector where available.

Vectors are stored portably (``bytea``, float32, unit length; cosine in numpy). When the server offers
the ``vector`` extension (pgvector: the embedded server has it, a plain PostgreSQL 15 here does not),
it is created and ``match_freelancers.embedding_vec vector(384)`` is added with an HNSW index, which the
embedding ranker then uses for retrieval.

Revision ID: a0015_matching
Revises: a0014_encryption_at_rest
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0015_matching"
down_revision: str | Sequence[str] | None = "a0016_verification_reputation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIMENSIONS = 384  # all-MiniLM-L6-v2


def _has_pgvector() -> bool:
    return bool(op.get_bind().scalar(sa.text("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")))


def upgrade() -> None:
    op.create_table(
        "match_freelancers",
        sa.Column("user_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="CASCADE",
                  name="fk_match_freelancers_user_id_users"), nullable=False),
        sa.Column("skill_ids", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("skill_levels", postgresql.JSONB(), nullable=False),
        sa.Column("verified_skill_ids", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("reputation", sa.Float(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("tz_offset_minutes", sa.Integer(), nullable=False),
        sa.Column("availability", sa.String(16), nullable=False),
        sa.Column("rates", postgresql.JSONB(), nullable=False),
        sa.Column("is_new", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("search", postgresql.TSVECTOR(),
                  sa.Computed("to_tsvector('english', coalesce(text, ''))", persisted=True)),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("embedding_model", sa.String(64), nullable=True),
        sa.Column("profile_created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_match_freelancers"),
    )
    op.create_index("ix_match_freelancers_search", "match_freelancers", ["search"], postgresql_using="gin")
    op.create_index("ix_match_freelancers_skill_ids", "match_freelancers", ["skill_ids"], postgresql_using="gin")
    op.create_index("ix_match_freelancers_verified", "match_freelancers", ["verified_skill_ids"],
                    postgresql_using="gin")
    op.create_index("ix_match_freelancers_popular", "match_freelancers", ["completed", "reputation"])
    op.create_table(
        "match_projects",
        sa.Column("project_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("projects.id", ondelete="CASCADE",
                  name="fk_match_projects_project_id_projects"), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("embedding_model", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project_id", name="pk_match_projects"),
    )
    op.create_table(
        "match_runs",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("subject_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("requested_by", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_match_runs"),
        sa.CheckConstraint("scope IN ('all', 'freelancer', 'project')", name="ck_match_runs_scope"),
    )
    op.create_index("ix_match_runs_created", "match_runs", ["created_at", "id"])
    if _has_pgvector():
        op.execute("CREATE EXTENSION IF NOT EXISTS vector")
        op.execute(f"ALTER TABLE match_freelancers ADD COLUMN embedding_vec vector({DIMENSIONS})")
        op.execute("CREATE INDEX ix_match_freelancers_embedding_vec ON match_freelancers "
                   "USING hnsw (embedding_vec vector_cosine_ops)")


def downgrade() -> None:
    op.drop_table("match_runs")
    op.drop_table("match_projects")
    op.drop_table("match_freelancers")
