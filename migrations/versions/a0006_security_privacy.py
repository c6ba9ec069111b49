"""Privacy hardening: a privileged pseudonymisation path through the audit log's append-only trigger,
and the record of scheduled sweeps.

The trigger still refuses every UPDATE, DELETE and TRUNCATE, except an UPDATE made in a transaction that
set ``lancer.audit_pseudonymise = 'on'`` (only the erasure and retention sweeps do, with SET LOCAL) and
that only blanks personal data (ip, user_agent, target, details): the fact itself (when, who as a
pseudonymous id, what, with which result) cannot change.

Revision ID: a0006_security_privacy
Revises: a0004_attestations
Create Date: 2026-11-30
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a0006_security_privacy"
down_revision: str | Sequence[str] | None = "a0005_security_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)

PSEUDONYMISING_TRIGGER = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('lancer.audit_pseudonymise', true) = 'on'
       AND NEW.id = OLD.id AND NEW.occurred_at = OLD.occurred_at
       AND NEW.actor_user_id IS NOT DISTINCT FROM OLD.actor_user_id AND NEW.actor = OLD.actor
       AND NEW.action = OLD.action AND NEW.result = OLD.result
       AND NEW.request_id IS NOT DISTINCT FROM OLD.request_id
       AND NEW.ip IS NULL AND NEW.user_agent IS NULL THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

APPEND_ONLY_TRIGGER = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.execute(PSEUDONYMISING_TRIGGER)
    op.add_column("audit_events", sa.Column("pseudonymised_at", TZ, nullable=True))
    op.create_index("ix_audit_events_occurred_at_open", "audit_events", ["occurred_at"],
                    postgresql_where=sa.text("pseudonymised_at IS NULL"))
    op.create_table(
        "scheduler_runs",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("job", sa.String(64), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_scheduler_runs"),
    )
    op.create_index("ix_scheduler_runs_job_id", "scheduler_runs", ["job", "id"])


def downgrade() -> None:
    op.drop_table("scheduler_runs")
    op.drop_index("ix_audit_events_occurred_at_open", table_name="audit_events")
    op.drop_column("audit_events", "pseudonymised_at")
    op.execute(APPEND_ONLY_TRIGGER)
