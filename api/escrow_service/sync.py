"""The intents' chain-derived state changes, written to the outbox: ``escrow_intent.pending`` when the
pending view moves on, ``escrow_intent.confirmed`` when the confirmed view does, ``escrow_intent.retracted``
when a reorg took events away. The announced state and the outbox rows commit in one transaction, so each
change is announced exactly once; rows are locked ``SKIP LOCKED``, so two pollers never announce twice.
``lancer chainfeed`` runs :func:`sync_once` after each pass of the chain feed."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api.engagements.service import Derived
from api.escrow_service.models import EscrowIntent
from api.escrow_service.service import FINAL_STATES, derive, detail, event_payload, subject
from api.kit import outbox
from api.kit.db import utcnow


def sync_once(engine: Engine, limit: int = 500) -> int:
    """One pass over open intents (oldest sync first); returns the number of outbox events written."""
    written = 0
    with Session(engine) as db:
        intents = list(db.scalars(
            select(EscrowIntent).where(EscrowIntent.confirmed_state.not_in(FINAL_STATES))
            .order_by(EscrowIntent.synced_at.asc().nulls_first(), EscrowIntent.id)
            .limit(limit).with_for_update(skip_locked=True)))
        conn = db.connection()
        for intent in intents:
            written += _sync_one(db, intent, *derive(intent, detail(conn, intent)))
        db.commit()
    return written


def _sync_one(db: Session, intent: EscrowIntent, pending: Derived, confirmed: Derived, count: int) -> int:
    audience = [intent.owner_user_id]
    written = 0
    lost = count < intent.pending_events or (
        intent.pending_block is not None and (pending.block is None or pending.block < intent.pending_block))
    if lost:
        outbox.record(db, "escrow_intent.retracted", subject(intent),
                      event_payload(intent, pending.state, pending.block, tx_hash=pending.tx_hash,
                                    retracted_state=intent.pending_state, retracted_block=intent.pending_block,
                                    milestones=pending.milestones), audience=audience)
        written += 1
    elif (pending.state, pending.block, count) != (intent.pending_state, intent.pending_block, intent.pending_events):
        outbox.record(db, "escrow_intent.pending", subject(intent),
                      event_payload(intent, pending.state, pending.block, tx_hash=pending.tx_hash,
                                    milestones=pending.milestones), audience=audience)
        written += 1
    if (confirmed.state, confirmed.block) != (intent.confirmed_state, intent.confirmed_block):
        kind = "escrow_intent.retracted" if (confirmed.block or -1) < (intent.confirmed_block or -1) \
            else "escrow_intent.confirmed"
        outbox.record(db, kind, subject(intent),
                      event_payload(intent, confirmed.state, confirmed.block, tx_hash=confirmed.tx_hash,
                                    confirmed=True, milestones=confirmed.milestones), audience=audience)
        written += 1
    intent.pending_state, intent.pending_block, intent.pending_events = pending.state, pending.block, count
    intent.confirmed_state, intent.confirmed_block = confirmed.state, confirmed.block
    intent.synced_at = utcnow()
    return written
