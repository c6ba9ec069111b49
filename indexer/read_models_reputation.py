"""Read models for reputation: indexed EAS attestations and a party's escrow history.

Re-exported by ``indexer.read_models`` (the API calls them from there). Confirmed vs pending works as
everywhere: a row is confirmed when its block is at or below its chain's ``confirmed_block``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, text

from indexer.projections.escrows import STATUS_NAMES


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class IndexedAttestation(_Model):
    chain_id: int
    uid: str
    schema_uid: str
    attester: str
    recipient: str
    ref_uid: str
    time: int
    expiration_time: int
    revocable: bool
    data: str
    decoded: dict[str, Any] | None
    revoked_at: datetime | None
    revoked_tx: str | None
    revocation_confirmed: bool | None
    tx_hash: str
    block_number: int
    log_index: int
    block_time: datetime
    confirmed: bool


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


def _attestation(r: Any) -> IndexedAttestation:
    return IndexedAttestation(
        chain_id=r.chain_id, uid=r.uid, schema_uid=r.schema, attester=r.attester, recipient=r.recipient,
        ref_uid=r.ref_uid, time=r.time, expiration_time=r.expiration_time, revocable=r.revocable, data=r.data,
        decoded=r.decoded, revoked_at=r.revoked_at, revoked_tx=r.revoked_tx,
        revocation_confirmed=None if r.revoked_block is None else r.revoked_block <= r.confirmed_block,
        tx_hash=r.tx_hash, block_number=r.block_number, log_index=r.log_index, block_time=r.block_time,
        confirmed=r.block_number <= r.confirmed_block)


def attestations(conn: Connection, *, recipient: str | None = None, schema: str | None = None,
                 attester: str | None = None, uid: str | None = None, confirmed_only: bool = False,
                 before: tuple[int, str] | None = None, limit: int = 50) -> list[IndexedAttestation]:
    """Indexed attestations, newest first by (time, uid); ``before`` is an exclusive keyset bound."""
    rows = conn.execute(text("""
        SELECT a.*, c.confirmed_block FROM attestations a JOIN chains c ON c.chain_id = a.chain_id
         WHERE (CAST(:r AS text) IS NULL OR a.recipient = :r) AND (CAST(:s AS text) IS NULL OR a.schema = :s)
           AND (CAST(:at AS text) IS NULL OR a.attester = :at) AND (CAST(:u AS text) IS NULL OR a.uid = :u)
           AND (NOT CAST(:conf AS boolean) OR a.block_number <= c.confirmed_block)
           AND (CAST(:bt AS bigint) IS NULL OR (a.time, a.uid) < (CAST(:bt AS bigint), CAST(:bu AS text)))
         ORDER BY a.time DESC, a.uid DESC, a.chain_id LIMIT :lim
    """), {"r": recipient, "s": schema.lower() if schema else None, "at": attester,
           "u": uid.lower() if uid else None, "conf": confirmed_only, "bt": before[0] if before else None,
           "bu": before[1] if before else None, "lim": max(1, min(limit, 1000))}).all()
    return [_attestation(r) for r in rows]


def party_history(conn: Connection, address: str) -> list[Engagement]:
    """Every escrow on every chain where ``address`` is client or freelancer, as of confirmed blocks
    (an escrow whose latest event is still pending is left out until it is confirmed)."""
    escrows = conn.execute(text("""
        SELECT e.*, (SELECT max(ev.block_time) FROM events ev WHERE ev.chain_id = e.chain_id
                        AND ev.address = e.address AND ev.event_name = 'Completed') AS completed_at
          FROM escrows e JOIN chains c ON c.chain_id = e.chain_id
         WHERE (e.client = :a OR e.freelancer = :a) AND e.block_number <= c.confirmed_block
         ORDER BY e.chain_id, e.created_block, e.address
    """), {"a": address}).all()
    if not escrows:
        return []
    milestones: dict[tuple[int, str], list[HistoryMilestone]] = {}
    ms = conn.execute(text("""
        SELECT m.*, (SELECT max(ev.block_time) FROM events ev WHERE ev.chain_id = m.chain_id AND ev.address = m.escrow
                        AND ev.event_name IN ('MilestoneReleased', 'DisputeResolved', 'MilestoneRefunded')
                        AND ev.args->>'index' = CAST(m.index AS text)) AS closed_at
          FROM escrow_milestones m
         WHERE (m.chain_id, m.escrow) IN (SELECT chain_id, address FROM escrows WHERE client = :a OR freelancer = :a)
         ORDER BY m.chain_id, m.escrow, m.index
    """), {"a": address}).all()
    for m in ms:
        milestones.setdefault((m.chain_id, m.escrow), []).append(HistoryMilestone(
            index=m.index, amount=int(m.amount), status=STATUS_NAMES[m.status], submitted_at=m.submitted_at,
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
