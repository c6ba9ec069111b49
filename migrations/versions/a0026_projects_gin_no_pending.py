"""Project search's GIN indexes without pending lists (``fastupdate = off``).

With fastupdate on, new projects' entries wait in a pending list (up to ``gin_pending_list_limit``, 4 MB)
that every search using the index scans in full until a VACUUM or the list's own flush merges it; projects
are mostly inserted, so autovacuum comes rarely. At 358/499 pending pages the generated full-text searches
of ``lancer bench search`` cost about 4x their PostgreSQL time (README "Project search"). Off, each insert
updates the posting trees directly: about 0.06-0.2 ms more per inserted project (a lab INSERT of 4,970
rows, the bench's COPY of 100,000), paid at the rate people post projects.
The existing pending lists are merged here, since turning the option off does not flush them.

Revision ID: a0026_projects_gin_no_pending
Revises: a0025_api_key_version
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "a0026_projects_gin_no_pending"
down_revision: str | Sequence[str] | None = "a0025_api_key_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = ("ix_projects_search", "ix_projects_skill_ids")


def upgrade() -> None:
    for name in INDEXES:
        op.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")
        op.execute(f"ALTER INDEX {name} SET (fastupdate = off)")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"ALTER INDEX {name} RESET (fastupdate)")
