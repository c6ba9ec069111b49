"""Read models of the rewards projection (MerkleDistributor): published epochs and claims, and the
confirmed index data a rewards epoch is computed from (completed escrows, their milestones and fees,
attestations of Lancer's schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
    released: int
    fees: int
    completed_at: datetime
    milestones: int
    delivered_milestones: int  # submitted, and released to the freelancer without a dispute or refund


class ConfirmedPeriod(_Model):
    """How far a chain's confirmed index reaches in time (a period is computable once it ends before)."""
    chain_id: int
    confirmed_block: int
    confirmed_time: datetime | None


def confirmed_period(conn: Connection, chain_id: int) -> ConfirmedPeriod:
    conf = confirmed_block(conn, chain_id)
    # Not every block is stored: the latest stored one at or below the confirmed block is a lower bound.
    at = conn.execute(text("SELECT timestamp FROM blocks WHERE chain_id = :c AND number <= :n "
                           "ORDER BY number DESC LIMIT 1"), {"c": chain_id, "n": conf}).scalar()
    return ConfirmedPeriod(chain_id=chain_id, confirmed_block=conf, confirmed_time=at)


def completed_escrows(conn: Connection, chain_id: int, start: datetime, end: datetime) -> list[CompletedEscrow]:
    """Escrows of a chain that completed in ``[start, end)``, as of its confirmed block."""
    rows = conn.execute(text("""
        SELECT e.chain_id, e.address, e.client, e.freelancer, e.token, e.total, e.released, e.fees, e.completed_at,
               e.milestone_count,
               (SELECT count(*) FROM escrow_milestones m
                 WHERE m.chain_id = e.chain_id AND m.escrow = e.address AND m.submitted_at IS NOT NULL
                   AND m.disputed_by IS NULL AND m.to_client = 0 AND m.to_freelancer > 0) AS delivered
          FROM escrows e JOIN chains c ON c.chain_id = e.chain_id
         WHERE e.chain_id = :c AND e.completed AND e.block_number <= c.confirmed_block
           AND e.completed_at >= :s AND e.completed_at < :t
         ORDER BY e.address
    """), {"c": chain_id, "s": start, "t": end}).all()
    return [CompletedEscrow(chain_id=r.chain_id, escrow=r.address, client=r.client, freelancer=r.freelancer,
                            token=r.token, total=int(r.total), released=int(r.released), fees=int(r.fees),
                            completed_at=r.completed_at, milestones=r.milestone_count,
                            delivered_milestones=int(r.delivered)) for r in rows]


class AttestationCount(_Model):
    party: str
    count: int


def attestation_parties(conn: Connection, chain_id: int, schema: str, start: datetime, end: datetime, *,
                        field: str | None = None) -> list[AttestationCount]:
    """Unrevoked, confirmed attestations of ``schema`` on a chain made in ``[start, end)``, counted per
    party: the recipient, or the decoded address ``field`` (e.g. a review's ``client``)."""
    rows = conn.execute(text("""
        SELECT CASE WHEN CAST(:f AS text) IS NULL THEN a.recipient ELSE a.decoded->>CAST(:f AS text) END AS party,
               count(*) AS n
          FROM attestations a JOIN chains c ON c.chain_id = a.chain_id
         WHERE a.chain_id = :c AND a.schema = :s AND a.revoked_at IS NULL AND a.block_number <= c.confirmed_block
           AND a.block_time >= :a AND a.block_time < :b
         GROUP BY 1 ORDER BY 1
    """), {"c": chain_id, "s": schema, "f": field, "a": start, "b": end}).all()
    return [AttestationCount(party=r.party, count=r.n) for r in rows if r.party]


class EconomyEvent(_Model):
    """A claim (MerkleDistributor ``Claimed``) or stake change (LancerStaking ``Staked``,
    ``UnstakeRequested``, ``Withdrawn``, ``RewardPaid``) with the identity the indexer gives a log."""

    chain_id: int
    block_number: int
    block_hash: str
    log_index: int
    tx_hash: str
    contract: str  # MerkleDistributor | LancerStaking
    address: str
    event_name: str
    account: str
    args: dict[str, Any]


ECONOMY_FEED_EVENTS = {"MerkleDistributor": ("Claimed",),
                       "LancerStaking": ("Staked", "UnstakeRequested", "Withdrawn", "RewardPaid")}


def economy_events_after(conn: Connection, chain_id: int, after_block: int, *, limit: int = 500) -> list[EconomyEvent]:
    """Claims and stake changes above ``after_block``, oldest first; at most ``limit`` rows, cut at a block
    boundary so a caller can resume after the last block."""
    rows = conn.execute(text("""
        SELECT * FROM events
         WHERE chain_id = :c AND block_number > :b
           AND ((contract = 'MerkleDistributor' AND event_name = ANY(CAST(:d AS text[])))
             OR (contract = 'LancerStaking' AND event_name = ANY(CAST(:s AS text[]))))
         ORDER BY block_number, log_index LIMIT :n"""), {
        "c": chain_id, "b": after_block, "n": limit + 1, "d": list(ECONOMY_FEED_EVENTS["MerkleDistributor"]),
        "s": list(ECONOMY_FEED_EVENTS["LancerStaking"])}).all()
    if len(rows) > limit:
        last_block = rows[limit].block_number
        rows = [r for r in rows[:limit] if r.block_number < last_block] or rows[:limit]
    return [EconomyEvent(chain_id=r.chain_id, block_number=r.block_number, block_hash=r.block_hash,
                         log_index=r.log_index, tx_hash=r.tx_hash, contract=r.contract, address=r.address,
                         event_name=r.event_name, account=str(r.args.get("account", "")), args=r.args) for r in rows]
