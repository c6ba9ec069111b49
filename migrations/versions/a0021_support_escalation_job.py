"""Support: chatbot escalations to the widget provider run as an rq job; the ticket tracks the job.

``support_tickets.provider_status`` (null: not sent to the provider; pending, sent, failed), the provider's
id once the job succeeds, the attempts made and the last error kind (a short code, never a URL or text).

Revision ID: a0021_support_escalation_job
Revises: a0015_matching
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a0021_support_escalation_job"
down_revision: str | Sequence[str] | None = "a0015_matching"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("support_tickets", sa.Column("provider_status", sa.String(16), nullable=True))
    op.add_column("support_tickets", sa.Column("provider_ref", sa.String(100), nullable=True))
    op.add_column("support_tickets", sa.Column("provider_attempts", sa.SmallInteger(), nullable=False,
                                               server_default="0"))
    op.add_column("support_tickets", sa.Column("provider_error", sa.String(32), nullable=True))


def downgrade() -> None:
    for column in ("provider_error", "provider_attempts", "provider_ref", "provider_status"):
        op.drop_column("support_tickets", column)
