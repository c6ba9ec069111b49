"""Transactional outbox: every state change is also written as an event row, in the same transaction.

Writers call :func:`record` with their own session; the event exists if and only if the change
committed. Consumers (webhook delivery, the WebSocket fan-out, ...) read with :func:`claim`, each with
its own cursor, at least once and in order.

Ordering without gaps: ``bigserial`` ids are handed out before commit, so a reader that follows ids
alone can pass over a row whose transaction commits later. Each row therefore also stores the id of the
transaction that wrote it (``txid``), and a reader only takes rows whose transaction is older than the
oldest one still running (``pg_snapshot_xmin``). That set never grows any more, so a cursor on
``(txid, id)`` skips nothing. The price: a long-running transaction anywhere delays delivery until it
ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import BigInteger, Connection, Engine, Index, String, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, Session, mapped_column

from api.kit.db import Base, utcnow

# The writing transaction's id, as a bigint (xid8 has no SQLAlchemy type; bigint compares the same).
_TXID = text("(pg_current_xact_id())::text::bigint")


class OutboxEvent(Base):
    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    txid: Mapped[int] = mapped_column(BigInteger, server_default=_TXID)
    # Dotted vocabulary, e.g. ``message.created``, ``escrow.event.pending``; the subject is what it is
    # about (``conversation:<uuid>``, ``escrow:<chain>:<address>``).
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Users who may see it (None: not user-scoped, e.g. an integration-level event).
    audience: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(UUID(as_uuid=True)))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=text("now()"))

    __table_args__ = (Index("ix_outbox_events_txid_id", "txid", "id"),
                      Index("ix_outbox_events_created_at", "created_at"))


class OutboxCursor(Base):
    """How far one consumer has read: the ``(txid, id)`` of the last event it acknowledged."""

    __tablename__ = "outbox_cursors"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    txid: Mapped[int] = mapped_column(BigInteger, default=0)
    event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


def record(db_session: Session, kind: str, subject: str, payload: dict[str, Any],
           audience: Sequence[uuid.UUID | str] | None = None) -> None:
    """Add an event to the caller's transaction (nothing is written if that transaction rolls back).

    ``payload`` must be JSON-able; amounts go in as decimal strings of base units (JSON numbers lose
    precision above 2**53 in most consumers). ``audience`` is the user ids allowed to see the event.
    """
    users = None if audience is None else sorted({uuid.UUID(str(u)) for u in audience})
    db_session.add(OutboxEvent(kind=kind, subject=subject, payload=payload, audience=users))


class Event(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    txid: int
    kind: str
    subject: str
    payload: dict[str, Any]
    audience: list[uuid.UUID] | None
    created_at: datetime


def _ensure_cursor(engine: Engine, consumer: str) -> None:
    # In its own committed transaction: a cursor row inserted inside the claiming transaction would make
    # a parallel worker's insert wait for that transaction instead of skipping the locked row.
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO outbox_cursors (consumer, txid, event_id, updated_at) "
                          "VALUES (:c, 0, 0, now()) ON CONFLICT (consumer) DO NOTHING"), {"c": consumer})


def _lock_cursor(conn: Connection, consumer: str) -> tuple[int, int] | None:
    """Lock this consumer's cursor row; None when another worker of the same consumer holds it."""
    row = conn.execute(text("SELECT txid, event_id FROM outbox_cursors WHERE consumer = :c "
                            "FOR UPDATE SKIP LOCKED"), {"c": consumer}).first()
    return None if row is None else (int(row.txid), int(row.event_id))


def _batch(conn: Connection, after: tuple[int, int], limit: int, kinds: Sequence[str] | None) -> list[Event]:
    rows = conn.execute(text("""
        SELECT id, txid, kind, subject, payload, audience, created_at FROM outbox_events
         WHERE (txid, id) > (:t, :i)
           AND txid < (pg_snapshot_xmin(pg_current_snapshot()))::text::bigint
           AND (CAST(:kinds AS text[]) IS NULL OR kind = ANY(CAST(:kinds AS text[])))
         ORDER BY txid, id LIMIT :n"""),
        {"t": after[0], "i": after[1], "n": limit, "kinds": list(kinds) if kinds else None}).all()
    return [Event(id=r.id, txid=r.txid, kind=r.kind, subject=r.subject, payload=r.payload,
                  audience=r.audience, created_at=r.created_at) for r in rows]


@contextmanager
def claim(engine: Engine, consumer: str, limit: int = 100,
          kinds: Sequence[str] | None = None) -> Iterator[list[Event]]:
    """The consumer's next events, oldest first, for the body of the ``with`` block to deliver.

    The cursor row stays locked (``FOR UPDATE SKIP LOCKED``) for the block, so parallel workers of one
    consumer never take the same batch (a worker that finds it locked gets an empty batch). Leaving the
    block normally acknowledges the batch; an exception leaves the cursor where it was, and the batch
    comes again (at-least-once: consumers dedupe on ``Event.id``). Keep the block short: the open
    transaction holds back every consumer's horizon.
    """
    _ensure_cursor(engine, consumer)
    with engine.begin() as conn:
        after = _lock_cursor(conn, consumer)
        events = [] if after is None else _batch(conn, after, limit, kinds)
        yield events
        if events:
            # With a kinds filter the cursor still moves past the events read (the others are skipped
            # for good for this consumer, by its own choice).
            conn.execute(text("UPDATE outbox_cursors SET txid = :t, event_id = :i, updated_at = now() "
                              "WHERE consumer = :c"), {"t": events[-1].txid, "i": events[-1].id, "c": consumer})


def lag(conn: Connection, consumer: str) -> int:
    """Events committed but not yet acknowledged by ``consumer`` (for metrics and tests)."""
    row = conn.execute(text("SELECT txid, event_id FROM outbox_cursors WHERE consumer = :c"), {"c": consumer}).first()
    after = (int(row.txid), int(row.event_id)) if row else (0, 0)
    return int(conn.execute(text("SELECT count(*) FROM outbox_events WHERE (txid, id) > (:t, :i)"),
                            {"t": after[0], "i": after[1]}).scalar_one())


def prune(engine: Engine, retention: timedelta, max_age: timedelta, batch: int = 5000) -> int:
    """Delete events older than ``retention`` that every consumer has acknowledged, and any event older
    than ``max_age`` (a consumer stuck or gone must not grow the table for ever). Batches of ``batch`` rows,
    each in its own short transaction: a long one would hold back every consumer's horizon. Returns the
    number of rows deleted."""
    now = utcnow()
    deleted = 0
    while True:
        with engine.begin() as conn:
            n = conn.execute(text("""
                DELETE FROM outbox_events WHERE id IN (
                  SELECT e.id FROM outbox_events e
                   WHERE e.created_at < :cutoff
                     AND (e.created_at < :hard_cutoff
                          OR NOT EXISTS (SELECT 1 FROM outbox_cursors c WHERE (e.txid, e.id) > (c.txid, c.event_id)))
                   LIMIT :n)"""), {"cutoff": now - retention, "hard_cutoff": now - max_age, "n": batch}).rowcount
        deleted += n
        if n < batch:
            return deleted
