"""Read models of the rewards projection (MerkleDistributor): published epochs and claims, and the
confirmed index data a rewards epoch is computed from (completed escrows, their milestones and fees,
attestations of Lancer's schemas)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text

from indexer.read_models.base import _Model, confirmed_block


class PublishedEpoch(_Model):
    chain_id: int
    distributor: str
    epoch: int
    root: str
    total: int
    token: str
    block_number: int
    tx_hash: str
    confirmed: bool


class RewardClaim(_Model):
    chain_id: int
    distributor: str
    epoch: int
    leaf_index: int
    account: str
    amount: int
    block_number: int
    tx_hash: str
    block_time: datetime
    confirmed: bool


def published_epochs(conn: Connection, chain_id: int, distributor: str) -> dict[int, PublishedEpoch]:
    """Every indexed RootPublished of a distributor (pending ones marked), by epoch."""
    conf = confirmed_block(conn, chain_id)
    rows = conn.execute(text("""
        SELECT * FROM reward_epochs WHERE chain_id = :c AND distributor = :d ORDER BY block_number, log_index
    """), {"c": chain_id, "d": distributor}).all()
    return {int(r.epoch): PublishedEpoch(
        chain_id=chain_id, distributor=r.distributor, epoch=int(r.epoch), root=r.root, total=int(r.total),
        token=r.token, block_number=r.block_number, tx_hash=r.tx_hash, confirmed=r.block_number <= conf)
        for r in rows}


def claims(conn: Connection, chain_id: int, distributor: str, *, account: str | None = None,
           epoch: int | None = None) -> list[RewardClaim]:
    """Indexed Claimed events (pending ones marked), optionally of one account and/or one epoch."""
    conf = confirmed_block(conn, chain_id)
    rows = conn.execute(text("""
        SELECT * FROM reward_claims WHERE chain_id = :c AND distributor = :d
           AND (CAST(:a AS text) IS NULL OR account = :a) AND (CAST(:e AS numeric) IS NULL OR epoch = :e)
         ORDER BY block_number, log_index
    """), {"c": chain_id, "d": distributor, "a": account, "e": epoch}).all()
    return [RewardClaim(chain_id=chain_id, distributor=r.distributor, epoch=int(r.epoch), leaf_index=int(r.leaf_index),
                        account=r.account, amount=int(r.amount), block_number=r.block_number, tx_hash=r.tx_hash,
                        block_time=r.block_time, confirmed=r.block_number <= conf) for r in rows]


# ---- inputs of a rewards epoch (confirmed data only) -------------------------------------------------

class CompletedEscrow(_Model):
    chain_id: int
    escrow: str
    client: str
    freelancer: str
    token: str
    total: int
    fees: int
    completed_at: datetime
    milestones: int
    on_time_milestones: int  # submitted, and released without a dispute or refund


def completed_escrows(conn: Connection, start: datetime, end: datetime) -> list[CompletedEscrow]:
    """Escrows on every chain that completed in ``[start, end)``, as of each chain's confirmed block."""
    rows = conn.execute(text("""
        SELECT e.chain_id, e.address, e.client, e.freelancer, e.token, e.total, e.fees, e.completed_at,
               e.milestone_count,
               (SELECT count(*) FROM escrow_milestones m
                 WHERE m.chain_id = e.chain_id AND m.escrow = e.address AND m.submitted_at IS NOT NULL
                   AND m.disputed_by IS NULL AND m.to_client = 0 AND m.to_freelancer > 0) AS on_time
          FROM escrows e JOIN chains c ON c.chain_id = e.chain_id
         WHERE e.completed AND e.block_number <= c.confirmed_block
           AND e.completed_at >= :s AND e.completed_at < :t
         ORDER BY e.chain_id, e.address
    """), {"s": start, "t": end}).all()
    return [CompletedEscrow(chain_id=r.chain_id, escrow=r.address, client=r.client, freelancer=r.freelancer,
                            token=r.token, total=int(r.total), fees=int(r.fees), completed_at=r.completed_at,
                            milestones=r.milestone_count, on_time_milestones=int(r.on_time)) for r in rows]


class AttestationCount(_Model):
    recipient: str
    schema_uid: str
    count: int


def attestations_in(conn: Connection, schemas: list[str], start: datetime, end: datetime) -> list[AttestationCount]:
    """Unrevoked attestations of ``schemas`` made in ``[start, end)``, per recipient, confirmed only."""
    if not schemas:
        return []
    rows = conn.execute(text("""
        SELECT a.recipient, a.schema, count(*) AS n FROM attestations a JOIN chains c ON c.chain_id = a.chain_id
         WHERE a.schema = ANY(:s) AND a.revoked_at IS NULL AND a.block_number <= c.confirmed_block
           AND a.block_time >= :a AND a.block_time < :b
         GROUP BY a.recipient, a.schema ORDER BY a.recipient, a.schema
    """), {"s": schemas, "a": start, "b": end}).all()
    return [AttestationCount(recipient=r.recipient, schema_uid=r.schema, count=r.n) for r in rows]
