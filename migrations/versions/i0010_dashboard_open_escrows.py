"""A wallet's open escrows, newest first, from the index alone (the dashboards' positions): partial indexes
``(chain_id, client|freelancer, created_at) INCLUDE (address) WHERE NOT completed``. Walking
``ix_escrows_created`` backwards and filtering by wallet read ~6,800 pages for a page of 50 at 125k escrows.

Revision ID: i0010_dashboard_open_escrows
Revises: i0009_dashboard_indexes
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i0010_dashboard_open_escrows"
down_revision: str | Sequence[str] | None = "i0009_dashboard_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for role in ("client", "freelancer"):
        op.create_index(f"ix_escrows_{role}_open", "escrows", ["chain_id", role, "created_at"],
                        postgresql_include=["address"], postgresql_where=sa.text("NOT completed"))


def downgrade() -> None:
    for role in ("client", "freelancer"):
        op.drop_index(f"ix_escrows_{role}_open", table_name="escrows")
