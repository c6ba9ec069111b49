"""A data version for sessions (``api.kit.versions``), so API processes may remember live sessions.

The counter ``sessions`` moves, in the writing transaction, whenever anything that decides whether an
access token's session is accepted, or what its principal says, changes: a session revoked (sign-out,
revoke one or all others, refresh-token reuse, idle expiry, a wallet unlinked, 2FA changes), its expiry
or owner moved, a session deleted (account erasure, cascades), its user deleted (soft: ``deleted_at``; or
hard), or the user's TOTP enrolment changed (the principal's ``mfa_enrolled``, which step-up and 2FA
routes read). A process keeps a verified access token only while the counter it read before checking
the session is still the current one (``api.identity.sessioncache``): a revocation anywhere is refused
by every process within ``CACHE_VERSION_TTL_SECONDS``. ``last_seen_at`` and ``ip`` (written on use and
on refresh), a refresh-token rotation, a step-up (``auth_time``/``amr``, which travel in the tokens, not
in the session check) and a new session (an unknown token is never remembered) do not move it.

Revision ID: a0027_session_version
Revises: a0026_projects_gin_no_pending
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "a0027_session_version"
down_revision: str | Sequence[str] | None = "a0026_projects_gin_no_pending"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, events): statement level, bump_data_version('sessions') of a0024.
TRIGGERS = [
    ("user_sessions", "UPDATE OF revoked_at, expires_at, user_id, id OR DELETE OR TRUNCATE"),
    ("users", "UPDATE OF deleted_at, id OR DELETE OR TRUNCATE"),
    # Not last_used_step (moved by every accepted code): only whether TOTP is enrolled counts.
    ("user_totp", "INSERT OR UPDATE OF enabled_at, user_id OR DELETE OR TRUNCATE"),
]


def upgrade() -> None:
    op.execute("INSERT INTO data_versions (name, version) VALUES ('sessions', 0)")
    for table, events in TRIGGERS:
        op.execute(f"CREATE TRIGGER {table}_session_version AFTER {events} ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('sessions')")


def downgrade() -> None:
    for table, _ in TRIGGERS:
        op.execute(f"DROP TRIGGER {table}_session_version ON {table}")
    op.execute("DELETE FROM data_versions WHERE name = 'sessions'")
