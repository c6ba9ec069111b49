"""Data versions of the app tables behind cached public reads (``api.kit.versions``).

One counter per kind of data, bumped by statement-level triggers in the writing transaction (so SQL
writes, COPY and cascades are covered, and a reader never sees the new data under the old version):
``projects`` (the project search: projects, the client handles, organization slugs and skill slugs it
shows) and ``reputation`` (the wallets linked to a user and Lancer's offchain attestations: with the
index, everything a reputation score is computed from).

Revision ID: a0024_read_versions
Revises: a0023_dashboard_earnings_rollup
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a0024_read_versions"
down_revision: str | Sequence[str] | None = "a0023_dashboard_earnings_rollup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, events, version[, level]): which writes move which version (statement level unless named).
TRIGGERS = [
    ("projects", "INSERT OR UPDATE OR DELETE OR TRUNCATE", "projects"),
    ("profiles", "INSERT OR UPDATE OF handle OR DELETE OR TRUNCATE", "projects"),
    ("organizations", "INSERT OR UPDATE OF slug OR DELETE OR TRUNCATE", "projects"),
    ("skills", "INSERT OR UPDATE OR DELETE OR TRUNCATE", "projects"),
    # Only who owns which address counts: a sign-in's last_login_at must not move it (every login would
    # drop every cached reputation answer and queue concurrent logins behind one counter row). Row level,
    # so an INSERT ... ON CONFLICT DO NOTHING that inserted nothing moves nothing either.
    ("user_wallets", "INSERT OR UPDATE OF user_id, address OR DELETE", "reputation", "ROW"),
    ("user_wallets", "TRUNCATE", "reputation", "STATEMENT"),
    ("offchain_attestations", "INSERT OR UPDATE OR DELETE OR TRUNCATE", "reputation"),
]


def _name(table: str, level: str) -> str:
    return f"{table}_data_version" + ("_row" if level == "ROW" else "")


def upgrade() -> None:
    op.create_table(
        "data_versions",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_data_versions"),
    )
    op.execute("INSERT INTO data_versions (name, version) VALUES ('projects', 0), ('reputation', 0)")
    op.execute("""
        CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE data_versions SET version = version + 1 WHERE name = TG_ARGV[0];
            RETURN NULL;
        END $$;
    """)
    for table, events, version, *level in TRIGGERS:
        each = level[0] if level else "STATEMENT"
        op.execute(f"CREATE TRIGGER {_name(table, each)} AFTER {events} ON {table} "
                   f"FOR EACH {each} EXECUTE FUNCTION bump_data_version('{version}')")


def downgrade() -> None:
    for table, _, _, *level in TRIGGERS:
        op.execute(f"DROP TRIGGER {_name(table, level[0] if level else 'STATEMENT')} ON {table}")
    op.execute("DROP FUNCTION bump_data_version()")
    op.drop_table("data_versions")
