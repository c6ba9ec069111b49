"""Skill verification attempts (quiz, code challenge, evidence) and ``user_skills.verified_status``;
persisted reputation (events from confirmed facts, the score each time it changed; lancer-rep-v2).

Revision ID: a0016_verification_reputation
Revises: a0014_encryption_at_rest
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0016_verification_reputation"
down_revision: str | Sequence[str] | None = "a0017_community_support"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("user_skills", sa.Column("verified_status", sa.String(16), nullable=False,
                                           server_default="unverified"))
    op.create_table(
        "skill_verifications",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("details", postgresql.JSONB(), nullable=False),
        sa.Column("evidence_sha256", sa.String(64), nullable=True),
        sa.Column("evidence_type", sa.String(100), nullable=True),
        sa.Column("evidence_size", sa.BigInteger(), nullable=True),
        sa.Column("expires_at", TS, nullable=True),
        sa.Column("submitted_at", TS, nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("reviewer_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("attestation_uid", sa.String(66), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_skill_verifications"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_skill_verifications_user_id_users"),
        sa.ForeignKeyConstraint(["skill_id"], ["skills.id"], ondelete="CASCADE",
                                name="fk_skill_verifications_skill_id_skills"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"], ondelete="SET NULL",
                                name="fk_skill_verifications_reviewer_id_users"),
    )
    op.create_index("ix_skill_verifications_user_skill", "skill_verifications",
                    ["user_id", "skill_id", "method", "created_at"])
    op.create_index("ix_skill_verifications_queue", "skill_verifications", ["status", "submitted_at", "id"])

    op.create_table(
        "reputation_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("user_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reputation_events"),
        sa.UniqueConstraint("address", "key", name="uq_reputation_events_address_key"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_reputation_events_user_id_users"),
    )
    op.create_index("ix_reputation_events_address_created", "reputation_events", ["address", "created_at"])
    op.create_index("ix_reputation_events_user_id", "reputation_events", ["user_id"])
    op.create_table(
        "reputation_scores",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("user_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("breakdown", postgresql.JSONB(), nullable=False),
        sa.Column("formula_version", sa.String(32), nullable=False),
        sa.Column("data_version", sa.String(64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reputation_scores"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_reputation_scores_user_id_users"),
    )
    op.create_index("ix_reputation_scores_address_updated", "reputation_scores", ["address", "updated_at"])
    op.create_index("ix_reputation_scores_user_id", "reputation_scores", ["user_id"])


def downgrade() -> None:
    op.drop_table("reputation_scores")
    op.drop_table("reputation_events")
    op.drop_table("skill_verifications")
    op.drop_column("user_skills", "verified_status")
