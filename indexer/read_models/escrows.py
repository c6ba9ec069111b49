"""Read models of the escrow projection: one escrow with milestones and timeline, and lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from indexer.core.vocabulary import MILESTONE_STATUS_NAMES
from indexer.read_models.base import _Model, confirmed_block
from indexer.read_models.chains import chain_cursors


class Milestone(_Model):
    index: int
    disputed_by: str | None = None
    amount: int
    status: str
    submitted_at: datetime | None
    deliverable_hash: str | None
    to_freelancer: int
    to_client: int
    fee: int
    confirmed: bool


class EscrowEvent(_Model):
    block_number: int
    log_index: int
    block_time: datetime
    tx_hash: str
    event_name: str
    args: dict[str, Any]
    confirmed: bool


class Escrow(_Model):
    chain_id: int
    address: str
    review_period: int = 0
    milestone_count: int = 0
    metadata_hash: str = ""
    created_tx: str = ""
    client: str
    freelancer: str
    arbiter: str
    token: str
    total: int
    fee_bps: int
    status: str
    funded_amount: int
    released: int
    refunded: int
    fees: int
    locked: int
    created_block: int
    created_at: datetime
    block_number: int
    confirmed: bool


class EscrowDetail(_Model):
    escrow: Escrow
    milestones: list[Milestone]
    timeline: list[EscrowEvent]


def _escrow(r: Any, conf: int) -> Escrow:
    return Escrow(chain_id=r.chain_id, address=r.address, review_period=int(r.review_period),
                  milestone_count=r.milestone_count, metadata_hash=r.metadata_hash, created_tx=r.created_tx,
                  client=r.client, freelancer=r.freelancer,
                  arbiter=r.arbiter, token=r.token, total=int(r.total), fee_bps=r.fee_bps, status=r.status,
                  funded_amount=int(r.funded_amount), released=int(r.released), refunded=int(r.refunded),
                  fees=int(r.fees),
                  locked=int(r.funded_amount) - int(r.released) - int(r.refunded) - int(r.fees),
                  created_block=r.created_block, created_at=r.created_at, block_number=r.block_number,
                  confirmed=r.block_number <= conf)


def escrow_detail(conn: Connection, chain_id: int, address: str) -> EscrowDetail | None:
    conf = confirmed_block(conn, chain_id)
    row = conn.execute(text("SELECT * FROM escrows WHERE chain_id = :c AND address = :a"),
                       {"c": chain_id, "a": address}).first()
    if row is None:
        return None
    ms = conn.execute(text("SELECT * FROM escrow_milestones WHERE chain_id = :c AND escrow = :a ORDER BY index"),
                      {"c": chain_id, "a": address}).all()
    timeline = conn.execute(text("""
        SELECT * FROM events WHERE chain_id = :c AND address = :a
        UNION ALL
        SELECT * FROM events WHERE chain_id = :c AND block_number = :b AND tx_hash = :t
           AND event_name = 'EscrowCreated' AND args->>'escrow' = :a
         ORDER BY block_number, log_index"""),
        {"c": chain_id, "a": address, "b": row.created_block, "t": row.created_tx}).all()
    return EscrowDetail(
        escrow=_escrow(row, conf),
        milestones=[Milestone(index=m.index, amount=int(m.amount), status=MILESTONE_STATUS_NAMES[m.status],
                              submitted_at=m.submitted_at, deliverable_hash=m.deliverable_hash,
                              to_freelancer=int(m.to_freelancer), to_client=int(m.to_client), fee=int(m.fee),
                              disputed_by=m.disputed_by, confirmed=m.block_number <= conf) for m in ms],
        timeline=[EscrowEvent(block_number=e.block_number, log_index=e.log_index, block_time=e.block_time,
                              tx_hash=e.tx_hash, event_name=e.event_name, args=e.args,
                              confirmed=e.block_number <= conf) for e in timeline],
    )


class EscrowFilter(_Model):
    chain_id: int | None = None
    client: str | None = None
    freelancer: str | None = None
    arbiter: str | None = None
    status: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


def escrow_list(conn: Connection, flt: EscrowFilter, *, limit: int = 50,
                after: tuple[datetime, int, str] | None = None) -> list[Escrow]:
    """Escrows newest first across chains, keyset on (created_at, chain_id, address); ``limit + 1`` rows."""
    cursors = chain_cursors(conn)
    rows = conn.execute(text("""
        SELECT e.* FROM escrows e
         WHERE (CAST(:c AS bigint) IS NULL OR e.chain_id = :c)
           AND (CAST(:cl AS text) IS NULL OR e.client = :cl)
           AND (CAST(:fr AS text) IS NULL OR e.freelancer = :fr)
           AND (CAST(:ar AS text) IS NULL OR e.arbiter = :ar)
           AND (CAST(:st AS text) IS NULL OR e.status = :st)
           AND (CAST(:f AS timestamptz) IS NULL OR e.created_at >= :f)
           AND (CAST(:t AS timestamptz) IS NULL OR e.created_at < :t)
           AND (CAST(:k0 AS timestamptz) IS NULL
                OR (e.created_at, e.chain_id, e.address) < (CAST(:k0 AS timestamptz), CAST(:k1 AS bigint), CAST(:k2 AS text)))
         ORDER BY e.created_at DESC, e.chain_id DESC, e.address DESC
         LIMIT :lim"""), {"c": flt.chain_id, "cl": flt.client, "fr": flt.freelancer, "ar": flt.arbiter,
                          "st": flt.status, "f": flt.created_from, "t": flt.created_to,
                          "k0": after[0] if after else None, "k1": after[1] if after else None,
                          "k2": after[2] if after else None, "lim": limit + 1}).all()
    return [_escrow(r, cursors[r.chain_id].confirmed_block if r.chain_id in cursors else -1) for r in rows]


class FeedEvent(_Model):
    """An escrow's event with the identity the indexer gives a log (block hash + log index)."""

    chain_id: int
    block_number: int
    block_hash: str
    log_index: int
    block_time: datetime
    tx_hash: str
    event_name: str
    args: dict[str, Any]
    escrow: str
    client: str
    freelancer: str


def escrow_events_after(conn: Connection, chain_id: int, after_block: int, *, limit: int = 500) -> list[FeedEvent]:
    """Events of indexed escrows (their creation by the factory included) above ``after_block``, oldest
    first; at most ``limit`` rows, cut at a block boundary so a caller can resume after the last block."""
    rows = conn.execute(text("""
        SELECT ev.*, e.address AS escrow, e.client, e.freelancer
          FROM events ev JOIN escrows e ON e.chain_id = ev.chain_id
           AND e.address = CASE WHEN ev.event_name = 'EscrowCreated' THEN ev.args->>'escrow' ELSE ev.address END
         WHERE ev.chain_id = :c AND ev.block_number > :b
         ORDER BY ev.block_number, ev.log_index LIMIT :n"""), {"c": chain_id, "b": after_block, "n": limit + 1}).all()
    if len(rows) > limit:
        last_block = rows[limit].block_number
        rows = [r for r in rows[:limit] if r.block_number < last_block] or rows[:limit]
    return [FeedEvent(chain_id=r.chain_id, block_number=r.block_number, block_hash=r.block_hash,
                      log_index=r.log_index, block_time=r.block_time, tx_hash=r.tx_hash, event_name=r.event_name,
                      args=r.args, escrow=r.escrow, client=r.client, freelancer=r.freelancer) for r in rows]


def events_present(conn: Connection, chain_id: int,
                   keys: list[tuple[int, str, int]]) -> set[tuple[int, str, int]]:
    """Which of these (block number, block hash, log index) logs the index still holds (a reorg
    deletes the others). Looked up by the events' key (block number, log index), then the hash."""
    if not keys:
        return set()
    rows = conn.execute(text("""
        SELECT ev.block_number, ev.block_hash, ev.log_index FROM events ev
          JOIN unnest(CAST(:n AS bigint[]), CAST(:h AS text[]), CAST(:l AS int[])) AS k(block_number, block_hash,
                                                                                        log_index)
            ON ev.block_number = k.block_number AND ev.log_index = k.log_index AND ev.block_hash = k.block_hash
         WHERE ev.chain_id = :c"""), {"c": chain_id, "n": [k[0] for k in keys], "h": [k[1] for k in keys],
                                      "l": [k[2] for k in keys]}).all()
    return {(r.block_number, r.block_hash, r.log_index) for r in rows}
