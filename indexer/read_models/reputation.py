"""Read models for reputation: a party's confirmed escrow history across chains.

Confirmed vs pending works as everywhere: a row is confirmed when its block is at or below its
chain's ``confirmed_block``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Connection, text

from indexer.core.vocabulary import MILESTONE_STATUS_NAMES
from indexer.read_models.base import INDEXED_CHAINS, _Model


class HistoryMilestone(_Model):
    index: int
    amount: int
    status: str
    submitted_at: datetime | None
    closed_at: datetime | None  # block time of the release / resolution / refund
    to_freelancer: int
    to_client: int
    disputed_by: str | None


class Engagement(_Model):
    chain_id: int
    escrow: str
    client: str
    freelancer: str
    token: str
    total: int
    released: int
    refunded: int
    status: str
    completed: bool
    review_period: int
    created_at: datetime
    completed_at: datetime | None
    milestones: list[HistoryMilestone]


def party_history(conn: Connection, address: str) -> list[Engagement]:
    """Every escrow on every chain where ``address`` is client or freelancer, as of confirmed blocks
    (an escrow whose latest event is still pending is left out until it is confirmed)."""
    escrows = conn.execute(text("""
        SELECT e.* FROM escrows e JOIN chains c ON c.chain_id = e.chain_id
         WHERE e.chain_id = ANY(""" + INDEXED_CHAINS + """) AND (e.client = :a OR e.freelancer = :a)
           AND e.block_number <= c.confirmed_block
         ORDER BY e.chain_id, e.created_block, e.address
    """), {"a": address}).all()
    if not escrows:
        return []
    milestones: dict[tuple[int, str], list[HistoryMilestone]] = {}
    ms = conn.execute(text("""
        SELECT m.* FROM escrow_milestones m
         WHERE (m.chain_id, m.escrow) IN (SELECT chain_id, address FROM escrows
                                           WHERE chain_id = ANY(""" + INDEXED_CHAINS + """)
                                             AND (client = :a OR freelancer = :a))
         ORDER BY m.chain_id, m.escrow, m.index
    """), {"a": address}).all()
    for m in ms:
        milestones.setdefault((m.chain_id, m.escrow), []).append(HistoryMilestone(
            index=m.index, amount=int(m.amount), status=MILESTONE_STATUS_NAMES[m.status], submitted_at=m.submitted_at,
            closed_at=m.closed_at, to_freelancer=int(m.to_freelancer), to_client=int(m.to_client),
            disputed_by=m.disputed_by))
    return [Engagement(
        chain_id=e.chain_id, escrow=e.address, client=e.client, freelancer=e.freelancer, token=e.token,
        total=int(e.total), released=int(e.released), refunded=int(e.refunded), status=e.status,
        completed=e.completed, review_period=int(e.review_period), created_at=e.created_at,
        completed_at=e.completed_at, milestones=milestones.get((e.chain_id, e.address), []))
        for e in escrows]


def confirmed_engagement(conn: Connection, chain_id: int, escrow: str) -> Engagement | None:
    """One escrow with its milestones, only if its current state is confirmed."""
    row = conn.execute(text("""
        SELECT e.client FROM escrows e JOIN chains c ON c.chain_id = e.chain_id
         WHERE e.chain_id = :c AND e.address = :e AND e.block_number <= c.confirmed_block"""),
        {"c": chain_id, "e": escrow}).first()
    if row is None:
        return None
    return next((g for g in party_history(conn, row.client) if g.chain_id == chain_id and g.escrow == escrow), None)


def confirmed_completions(conn: Connection, *, after: tuple[int, str] | None = None,
                          limit: int = 200) -> list[tuple[int, str, str]]:
    """(chain_id, escrow, client) of completed escrows whose state is confirmed, in (chain, address)
    order after ``after``: a keyset walk for the sweep that attests completed engagements."""
    chain, escrow = after or (-1, "")
    rows = conn.execute(text("""
        SELECT e.chain_id, e.address, e.client FROM escrows e JOIN chains c ON c.chain_id = e.chain_id
         WHERE e.completed AND e.block_number <= c.confirmed_block AND (e.chain_id, e.address) > (:c, :e)
         ORDER BY e.chain_id, e.address LIMIT :n"""), {"c": chain, "e": escrow, "n": limit}).all()
    return [(int(r.chain_id), str(r.address), str(r.client)) for r in rows]


def reputation_index_version(conn: Connection) -> str:
    """Changes whenever confirmed escrow or attestation data can have changed: per chain, its reorg
    count and the highest confirmed block holding an escrow or EAS event."""
    rows = conn.execute(text("""
        SELECT c.chain_id, c.reorg_count,
               (SELECT max(ev.block_number) FROM events ev WHERE ev.chain_id = c.chain_id
                   AND ev.block_number <= c.confirmed_block
                   AND ev.contract IN ('Escrow', 'EscrowFactory', 'EAS')) AS last_block
          FROM chains c ORDER BY c.chain_id""")).all()
    raw = ";".join(f"{r.chain_id}:{r.reorg_count}:{r.last_block}" for r in rows)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]
