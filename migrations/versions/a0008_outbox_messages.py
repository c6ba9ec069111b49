"""Transactional outbox (+ consumer cursors), idempotency keys, conversations and messages, chain feed.

Revision ID: a0008_outbox_messages
Revises: a0004_attestations
Create Date: 2026-11-30
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a0008_outbox_messages"
down_revision: str | Sequence[str] | None = "a0007_marketplace"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
UUID = postgresql.UUID(as_uuid=True)


def upgrade() -> None:
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("txid", sa.BigInteger(), server_default=sa.text("(pg_current_xact_id())::text::bigint"),
                  nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("audience", postgresql.ARRAY(UUID), nullable=True),
        sa.Column("created_at", TZ, server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_events"),
    )
    op.create_index("ix_outbox_events_txid_id", "outbox_events", ["txid", "id"])
    op.create_table(
        "outbox_cursors",
        sa.Column("consumer", sa.String(64), nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("consumer", name="pk_outbox_cursors"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.String(80), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(32), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("principal", "key", name="pk_idempotency_keys"),
    )
    op.create_table(
        "conversations",
        sa.Column("id", UUID, nullable=False),
        sa.Column("subject_type", sa.String(16), nullable=True),
        sa.Column("subject_id", sa.String(200), nullable=True),
        sa.Column("key", sa.String(200), nullable=True),
        sa.Column("created_by", UUID, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_message_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_conversations"),
        sa.UniqueConstraint("key", name="uq_conversations_key"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_conversations_created_by_users",
                                ondelete="SET NULL"),
    )
    op.create_index("ix_conversations_subject", "conversations", ["subject_type", "subject_id"])
    op.create_table(
        "conversation_participants",
        sa.Column("conversation_id", UUID, nullable=False),
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("joined_at", TZ, nullable=False),
        sa.Column("last_read_id", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", "user_id", name="pk_conversation_participants"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                                name="fk_conversation_participants_conversation_id_conversations", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_conversation_participants_user_id_users",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_conversation_participants_user_id", "conversation_participants", ["user_id"])
    op.create_table(
        "messages",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", UUID, nullable=False),
        sa.Column("sender_id", UUID, nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                                name="fk_messages_conversation_id_conversations", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sender_id"], ["users.id"], name="fk_messages_sender_id_users", ondelete="SET NULL"),
    )
    op.create_index("ix_messages_conversation_id_id", "messages", ["conversation_id", "id"])
    op.create_table(
        "chain_feed_items",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("event_name", sa.String(64), nullable=False),
        sa.Column("escrow", sa.String(42), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "block_hash", "log_index", name="pk_chain_feed_items"),
    )
    op.create_index("ix_chain_feed_items_open", "chain_feed_items", ["chain_id", "status", "block_number"])


def downgrade() -> None:
    for table in ("chain_feed_items", "messages", "conversation_participants", "conversations", "idempotency_keys",
                  "outbox_cursors", "outbox_events"):
        op.drop_table(table)
