"""Security hardening, identity side: session proof records (auth_time, amr), contract-wallet identities
bound to their chain, security notifications (an outbox the integrations deliver), consent records.

Revision ID: a0005_security_identity
Revises: a0004_attestations
Create Date: 2026-11-30
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0005_security_identity"
down_revision: str | Sequence[str] | None = "a0004_attestations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    # When the session last proved who it is (sign-in or step-up), and how (RFC 8176 amr values).
    op.add_column("user_sessions", sa.Column("auth_time", TZ, nullable=True))
    op.add_column("user_sessions", sa.Column("amr", postgresql.ARRAY(sa.Text()), nullable=False,
                                             server_default=sa.text("'{}'::text[]")))
    op.execute("UPDATE user_sessions SET auth_time = created_at")
    op.alter_column("user_sessions", "auth_time", nullable=False, server_default=sa.text("now()"))
    # 'eoa' or 'contract' (EIP-1271/6492): a contract wallet is an identity on its chain only.
    op.add_column("user_wallets", sa.Column("kind", sa.String(16), nullable=False, server_default="eoa"))
    op.create_table(
        "user_consents",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("document", sa.String(32), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("accepted_at", TZ, nullable=False, server_default=sa.text("now()")),
        sa.Column("ip", sa.String(64), nullable=False, server_default=""),
        sa.Column("user_agent", sa.String(512), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_user_consents"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_user_consents_user_id_users", ondelete="CASCADE"),
    )
    op.create_index("ix_user_consents_user_id", "user_consents", ["user_id"])


def downgrade() -> None:
    op.drop_table("user_consents")
    op.drop_column("user_wallets", "kind")
    op.drop_column("user_sessions", "amr")
    op.drop_column("user_sessions", "auth_time")
