"""Marketplace: profiles, organizations, skills (seeded from api/skills/taxonomy.json), projects (full-text search),
proposals, milestone templates (platform ones seeded), engagements.

Revision ID: a0007_marketplace
Revises: a0004_attestations
Create Date: 2026-11-30
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0007_marketplace"
down_revision: str | Sequence[str] | None = "a0006_security_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
UID = postgresql.UUID(as_uuid=True)
TAXONOMY = Path(__file__).resolve().parents[2] / "api" / "skills" / "taxonomy.json"
SEARCH = ("setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
          "setweight(to_tsvector('english', coalesce(description, '')), 'B')")
DAY = 86400
# Platform milestone templates: (fixed id so a re-seed is idempotent, name, [(title, bps, review days)]).
TEMPLATES = [
    ("5b6f0f9e-2a43-4d1e-9c59-000000000001", "Single delivery", [("Delivery", 10000, 7)]),
    ("5b6f0f9e-2a43-4d1e-9c59-000000000002", "Start / finish 30-70",
     [("Kick-off and plan", 3000, 3), ("Final delivery", 7000, 7)]),
    ("5b6f0f9e-2a43-4d1e-9c59-000000000003", "Three phases",
     [("Design", 2500, 3), ("Implementation", 5000, 7), ("Hand-over", 2500, 7)]),
    ("5b6f0f9e-2a43-4d1e-9c59-000000000004", "Security audit",
     [("Initial report", 6000, 7), ("Fix review and final report", 4000, 7)]),
]


def _users_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("user_id", UID, nullable=False),
        sa.Column("handle", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("avatar_url", sa.String(500), nullable=True),
        sa.Column("links", postgresql.JSONB(), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("rates", postgresql.JSONB(), nullable=False),
        sa.Column("availability", sa.String(16), nullable=False),
        sa.Column("is_freelancer", sa.Boolean(), nullable=False),
        sa.Column("is_client", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_profiles"),
        sa.UniqueConstraint("handle", name="uq_profiles_handle"),
        _users_fk("profiles", "user_id"),
    )
    skills = op.create_table(
        "skills",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_skills"),
        sa.UniqueConstraint("slug", name="uq_skills_slug"),
    )
    op.create_index("ix_skills_category", "skills", ["category"])
    op.bulk_insert(skills, [{**s, "is_active": True} for s in json.loads(TAXONOMY.read_text())])
    op.create_table(
        "user_skills",
        sa.Column("user_id", UID, nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("years", sa.SmallInteger(), nullable=False),
        sa.Column("evidence_url", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("user_id", "skill_id", name="pk_user_skills"),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name="ck_user_skills_level"),
        _users_fk("user_skills", "user_id"),
        sa.ForeignKeyConstraint(["skill_id"], ["skills.id"], name="fk_user_skills_skill_id_skills",
                                ondelete="CASCADE"),
    )
    op.create_table(
        "organizations",
        sa.Column("id", UID, nullable=False),
        sa.Column("slug", sa.String(40), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organizations"),
        sa.UniqueConstraint("slug", name="uq_organizations_slug"),
    )
    op.create_table(
        "org_members",
        sa.Column("org_id", UID, nullable=False),
        sa.Column("user_id", UID, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("joined_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("org_id", "user_id", name="pk_org_members"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name="fk_org_members_org_id_organizations",
                                ondelete="CASCADE"),
        _users_fk("org_members", "user_id"),
        sa.CheckConstraint("role IN ('owner', 'admin', 'member')", name="ck_org_members_role"),
    )
    op.create_index("ix_org_members_user_id", "org_members", ["user_id"])
    op.create_table(
        "org_invitations",
        sa.Column("id", UID, nullable=False),
        sa.Column("org_id", UID, nullable=False),
        sa.Column("invitee_user_id", UID, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("invited_by", UID, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("accepted_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_org_invitations"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name="fk_org_invitations_org_id_organizations",
                                ondelete="CASCADE"),
        _users_fk("org_invitations", "invitee_user_id"),
        sa.ForeignKeyConstraint(["invited_by"], ["users.id"], name="fk_org_invitations_invited_by_users",
                                ondelete="SET NULL"),
    )
    op.create_index("ix_org_invitations_org_id", "org_invitations", ["org_id"])
    op.create_index("ix_org_invitations_invitee_user_id", "org_invitations", ["invitee_user_id"])
    op.create_table(
        "projects",
        sa.Column("id", UID, nullable=False),
        sa.Column("client_user_id", UID, nullable=False),
        sa.Column("org_id", UID, nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("skill_ids", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("budget", sa.Numeric(78, 0), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(42), nullable=False),
        sa.Column("milestones", postgresql.JSONB(), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("invitees", postgresql.ARRAY(UID), nullable=False),
        sa.Column("deadline", TZ, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attachments", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("search", postgresql.TSVECTOR(), sa.Computed(SEARCH, persisted=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
        _users_fk("projects", "client_user_id"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name="fk_projects_org_id_organizations",
                                ondelete="SET NULL"),
        sa.CheckConstraint("budget >= 0", name="ck_projects_budget"),
        sa.CheckConstraint("state IN ('draft', 'open', 'in_progress', 'completed', 'cancelled')",
                           name="ck_projects_state"),
        sa.CheckConstraint("visibility IN ('public', 'invite_only')", name="ck_projects_visibility"),
    )
    op.create_index("ix_projects_client_user_id", "projects", ["client_user_id"])
    op.create_index("ix_projects_org_id", "projects", ["org_id"])
    op.create_index("ix_projects_state", "projects", ["state"])
    op.create_index("ix_projects_created", "projects", ["created_at", "id"])
    op.create_index("ix_projects_search", "projects", ["search"], postgresql_using="gin")
    op.create_index("ix_projects_skill_ids", "projects", ["skill_ids"], postgresql_using="gin")
    op.create_table(
        "proposals",
        sa.Column("id", UID, nullable=False),
        sa.Column("project_id", UID, nullable=False),
        sa.Column("freelancer_user_id", UID, nullable=False),
        sa.Column("freelancer_address", sa.String(42), nullable=False),
        sa.Column("cover_letter", sa.Text(), nullable=False),
        sa.Column("price", sa.Numeric(78, 0), nullable=False),
        sa.Column("milestones", postgresql.JSONB(), nullable=False),
        sa.Column("review_period_seconds", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_proposals"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_proposals_project_id_projects",
                                ondelete="CASCADE"),
        _users_fk("proposals", "freelancer_user_id"),
        sa.CheckConstraint("state IN ('submitted', 'shortlisted', 'declined', 'withdrawn', 'accepted')",
                           name="ck_proposals_state"),
    )
    op.create_index("ix_proposals_project_id", "proposals", ["project_id"])
    op.create_index("ix_proposals_freelancer_user_id", "proposals", ["freelancer_user_id"])
    op.create_index("uq_proposals_active", "proposals", ["project_id", "freelancer_user_id"], unique=True,
                    postgresql_where=sa.text("state IN ('submitted', 'shortlisted', 'accepted')"))
    templates = op.create_table(
        "milestone_templates",
        sa.Column("id", UID, nullable=False),
        sa.Column("owner_user_id", UID, nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("items", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.text("now()")),
        sa.PrimaryKeyConstraint("id", name="pk_milestone_templates"),
        _users_fk("milestone_templates", "owner_user_id"),
    )
    op.create_index("ix_milestone_templates_owner_user_id", "milestone_templates", ["owner_user_id"])
    op.bulk_insert(templates, [
        {"id": uuid.UUID(tid), "owner_user_id": None, "name": name,
         "items": [{"title": t, "bps": bps, "review_period_seconds": days * DAY} for t, bps, days in items]}
        for tid, name, items in TEMPLATES])
    op.create_table(
        "engagements",
        sa.Column("id", UID, nullable=False),
        sa.Column("project_id", UID, nullable=False),
        sa.Column("proposal_id", UID, nullable=False),
        sa.Column("client_user_id", UID, nullable=False),
        sa.Column("freelancer_user_id", UID, nullable=False),
        sa.Column("freelancer_address", sa.String(42), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(42), nullable=False),
        sa.Column("total", sa.Numeric(78, 0), nullable=False),
        sa.Column("milestones", postgresql.JSONB(), nullable=False),
        sa.Column("review_period_seconds", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("client_address", sa.String(42), nullable=True),
        sa.Column("arbiter", sa.String(42), nullable=True),
        sa.Column("escrow_address", sa.String(42), nullable=True),
        sa.Column("metadata_hash", sa.String(66), nullable=True),
        sa.Column("prepared_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_engagements"),
        sa.UniqueConstraint("proposal_id", name="uq_engagements_proposal_id"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_engagements_project_id_projects",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name="fk_engagements_proposal_id_proposals",
                                ondelete="CASCADE"),
        _users_fk("engagements", "client_user_id"),
        _users_fk("engagements", "freelancer_user_id"),
    )
    op.create_index("ix_engagements_project_id", "engagements", ["project_id"])
    op.create_index("ix_engagements_client_user_id", "engagements", ["client_user_id"])
    op.create_index("ix_engagements_freelancer_user_id", "engagements", ["freelancer_user_id"])
    op.create_index("ix_engagements_escrow_address", "engagements", ["escrow_address"])


def downgrade() -> None:
    for table in ("engagements", "milestone_templates", "proposals", "projects", "user_skills", "skills",
                  "org_invitations", "org_members", "organizations", "profiles"):
        op.drop_table(table)
