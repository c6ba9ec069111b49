"""A data version for API keys (``api.kit.versions``), so API processes may remember verified keys.

The counter ``api_keys`` moves, in the writing transaction, whenever anything that decides whether a
presented key is accepted changes: a key revoked, its expiry moved (rotation), its scopes, secret or
owner changed, a key deleted, its user deleted (soft: ``deleted_at``; or hard, cascading). Every write
path is covered (ORM, SQL, cascades). A process keeps a verified key only while the counter it read
before checking the key is still the current one (``api.identity.keycache``): a revocation anywhere is
refused by every process within ``CACHE_VERSION_TTL_SECONDS``. ``last_used_at`` (written on use) does
not move it, nor does creating a key (an unknown key is never remembered).

Revision ID: a0025_api_key_version
Revises: a0024_read_versions
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "a0025_api_key_version"
down_revision: str | Sequence[str] | None = "a0024_read_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, events): statement level, bump_data_version('api_keys') of a0024.
TRIGGERS = [
    ("api_keys", "UPDATE OF revoked_at, expires_at, scopes, secret_hash, prefix, user_id OR DELETE OR TRUNCATE"),
    ("users", "UPDATE OF deleted_at OR DELETE OR TRUNCATE"),
]


def upgrade() -> None:
    op.execute("INSERT INTO data_versions (name, version) VALUES ('api_keys', 0)")
    for table, events in TRIGGERS:
        op.execute(f"CREATE TRIGGER {table}_api_key_version AFTER {events} ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('api_keys')")


def downgrade() -> None:
    for table, _ in TRIGGERS:
        op.execute(f"DROP TRIGGER {table}_api_key_version ON {table}")
    op.execute("DELETE FROM data_versions WHERE name = 'api_keys'")
