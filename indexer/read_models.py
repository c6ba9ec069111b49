"""Read models: the only way the API reads chain data. Every function takes a SQLAlchemy
``Connection`` and returns typed, frozen pydantic models; amounts are ints in base units.

Confirmed vs pending: a row is confirmed when its block is at or below ``chains.confirmed_block``.
Balances can be asked "as of" any block (``confirmed=True`` means as of the confirmed block).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, text

from indexer.errors import UnknownChainError
from indexer.projections.escrows import STATUS_NAMES
from indexer.read_models_reputation import (  # noqa: F401  (re-exported: the API reads from here)
    Engagement,
    HistoryMilestone,
    IndexedAttestation,
    attestations,
    confirmed_engagement,
    party_history,
    reputation_index_version,
)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class ChainStatus(_Model):
    chain_id: int
    name: str
    indexed_block: int
    indexed_hash: str | None
    head_block: int | None
    confirmed_block: int
    lag_blocks: int | None
    head_seen_at: datetime | None
    reorg_count: int
    last_reorg_depth: int | None
    max_reorg_depth: int
    last_reorg_at: datetime | None


class Balance(_Model):
    chain_id: int
    token: str
    holder: str
    balance: int
    as_of_block: int
    confirmed: bool


class Transfer(_Model):
    chain_id: int
    block_number: int
    log_index: int
    block_time: datetime
    tx_hash: str
    token: str
    from_address: str
    to_address: str
    value: int
    confirmed: bool


class Page(_Model):
    items: list[Any]
    next_cursor: str | None


class Milestone(_Model):
    index: int
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


class TokenAmount(_Model):
    token: str
    amount: int
    count: int


class KindAmount(_Model):
    token: str
    kind: str
    amount: int


class Split(_Model):
    to_address: str
    bps: int
    kind: str


class Offset(_Model):
    certificate_id: str
    grams_co2e: int
    uri: str
    recorded_by: str
    block_number: int
    confirmed: bool


class TreasurySummary(_Model):
    chain_id: int
    inflows: list[TokenAmount]
    distributions: list[KindAmount]
    splits: list[Split]
    offsets: list[Offset]
    confirmed_only: bool


class Gas(_Model):
    transactions: int
    gas_used: int
    fee_wei: int


def _encode_cursor(values: tuple[int, int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def _decode_cursor(cursor: str | None) -> tuple[int, int] | None:
    if not cursor:
        return None
    try:
        a, b = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return int(a), int(b)
    except (ValueError, TypeError):
        raise ValueError("invalid cursor") from None


def confirmed_block(conn: Connection, chain_id: int) -> int:
    value = conn.execute(text("SELECT confirmed_block FROM chains WHERE chain_id = :c"), {"c": chain_id}).scalar()
    if value is None:
        raise UnknownChainError(f"chain {chain_id} is not indexed")
    return int(value)


def chain_status(conn: Connection, chain_id: int | None = None) -> list[ChainStatus]:
    rows = conn.execute(text(
        "SELECT * FROM chains WHERE (CAST(:c AS bigint) IS NULL OR chain_id = :c) ORDER BY chain_id"), {"c": chain_id}).all()
    return [ChainStatus(
        chain_id=r.chain_id, name=r.name, indexed_block=r.block_number, indexed_hash=r.block_hash,
        head_block=r.head_block, confirmed_block=r.confirmed_block,
        lag_blocks=None if r.head_block is None else max(0, r.head_block - r.block_number),
        head_seen_at=r.head_seen_at, reorg_count=r.reorg_count, last_reorg_depth=r.last_reorg_depth,
        max_reorg_depth=r.max_reorg_depth, last_reorg_at=r.last_reorg_at) for r in rows]


def balances(conn: Connection, chain_id: int, holder: str, *, confirmed: bool = True,
             as_of_block: int | None = None) -> list[Balance]:
    """Token balances of ``holder``: latest balance minus the transfers above the asked block."""
    conf = confirmed_block(conn, chain_id)
    latest = conn.execute(text("SELECT block_number FROM chains WHERE chain_id = :c"), {"c": chain_id}).scalar_one()
    block = as_of_block if as_of_block is not None else (conf if confirmed else latest)
    rows = conn.execute(text("""
        SELECT b.token, b.balance - coalesce((
            SELECT sum(CASE WHEN t.to_address = :h THEN t.value ELSE 0 END)
                 - sum(CASE WHEN t.from_address = :h THEN t.value ELSE 0 END)
              FROM token_transfers t
             WHERE t.chain_id = :c AND t.token = b.token AND t.block_number > :blk
               AND (t.to_address = :h OR t.from_address = :h)), 0) AS balance
          FROM token_balances b WHERE b.chain_id = :c AND b.holder = :h ORDER BY b.token
    """), {"c": chain_id, "h": holder, "blk": block}).all()
    return [Balance(chain_id=chain_id, token=r.token, holder=holder, balance=int(r.balance), as_of_block=block,
                    confirmed=block <= conf) for r in rows]


def transfers(conn: Connection, chain_id: int, *, address: str | None = None, limit: int = 50,
              cursor: str | None = None, confirmed_only: bool = False) -> Page:
    """Transfers newest first, keyset-paginated on (block_number, log_index)."""
    limit = max(1, min(limit, 500))
    conf = confirmed_block(conn, chain_id)
    after = _decode_cursor(cursor)
    rows = conn.execute(text("""
        SELECT * FROM token_transfers
         WHERE chain_id = :c AND (CAST(:a AS text) IS NULL OR from_address = :a OR to_address = :a)
           AND (CAST(:bn AS bigint) IS NULL OR (block_number, log_index) < (CAST(:bn AS bigint), CAST(:li AS integer)))
           AND (NOT CAST(:conf AS boolean) OR block_number <= :cb)
         ORDER BY block_number DESC, log_index DESC LIMIT :lim
    """), {"c": chain_id, "a": address, "bn": after[0] if after else None, "li": after[1] if after else None,
           "conf": confirmed_only, "cb": conf, "lim": limit + 1}).all()
    items = [Transfer(chain_id=chain_id, block_number=r.block_number, log_index=r.log_index,
                      block_time=r.block_time, tx_hash=r.tx_hash, token=r.token, from_address=r.from_address,
                      to_address=r.to_address, value=int(r.value), confirmed=r.block_number <= conf)
             for r in rows[:limit]]
    more = len(rows) > limit
    return Page(items=items, next_cursor=_encode_cursor((items[-1].block_number, items[-1].log_index))
                if more and items else None)


def _escrow(r: Any, conf: int) -> Escrow:
    return Escrow(chain_id=r.chain_id, address=r.address, client=r.client, freelancer=r.freelancer,
                  arbiter=r.arbiter, token=r.token, total=int(r.total), fee_bps=r.fee_bps, status=r.status,
                  funded_amount=int(r.funded_amount), released=int(r.released), refunded=int(r.refunded),
                  fees=int(r.fees),
                  locked=int(r.funded_amount) - int(r.released) - int(r.refunded) - int(r.fees),
                  created_block=r.created_block, created_at=r.created_at, block_number=r.block_number,
                  confirmed=r.block_number <= conf)


def escrows(conn: Connection, chain_id: int, *, party: str | None = None, status: str | None = None,
            limit: int = 50, cursor: str | None = None) -> Page:
    """Escrows newest first; ``party`` matches client, freelancer or arbiter."""
    limit = max(1, min(limit, 500))
    conf = confirmed_block(conn, chain_id)
    after = _decode_cursor(cursor)
    rows = conn.execute(text("""
        SELECT e.* FROM escrows e
         WHERE e.chain_id = :c AND (CAST(:p AS text) IS NULL OR :p IN (e.client, e.freelancer, e.arbiter))
           AND (CAST(:s AS text) IS NULL OR e.status = :s) AND (CAST(:bn AS bigint) IS NULL OR e.created_block < :bn)
         ORDER BY e.created_block DESC, e.address LIMIT :lim
    """), {"c": chain_id, "p": party, "s": status, "bn": after[0] if after else None, "lim": limit + 1}).all()
    items = [_escrow(r, conf) for r in rows[:limit]]
    # Keyset on the creation block; escrows created in one block share a page boundary safely only
    # because a page never ends in the middle of a block (the limit is extended to the block's end).
    if len(rows) > limit and items:
        last_block = items[-1].created_block
        extra = [r for r in rows[limit:] if r.created_block == last_block]
        if extra:
            more = conn.execute(text("""
                SELECT * FROM escrows WHERE chain_id = :c AND created_block = :b
                   AND (CAST(:p AS text) IS NULL OR :p IN (client, freelancer, arbiter)) AND (CAST(:s AS text) IS NULL OR status = :s)
                 ORDER BY address"""), {"c": chain_id, "b": last_block, "p": party, "s": status}).all()
            seen = {i.address for i in items}
            items += [_escrow(r, conf) for r in more if r.address not in seen]
        return Page(items=items, next_cursor=_encode_cursor((last_block, 0)))
    return Page(items=items, next_cursor=None)


def escrow_detail(conn: Connection, chain_id: int, address: str) -> EscrowDetail | None:
    conf = confirmed_block(conn, chain_id)
    row = conn.execute(text("SELECT * FROM escrows WHERE chain_id = :c AND address = :a"),
                       {"c": chain_id, "a": address}).first()
    if row is None:
        return None
    ms = conn.execute(text("SELECT * FROM escrow_milestones WHERE chain_id = :c AND escrow = :a ORDER BY index"),
                      {"c": chain_id, "a": address}).all()
    timeline = conn.execute(text("""
        SELECT * FROM events WHERE chain_id = :c
           AND (address = :a OR (event_name = 'EscrowCreated' AND args->>'escrow' = :a))
         ORDER BY block_number, log_index"""), {"c": chain_id, "a": address}).all()
    return EscrowDetail(
        escrow=_escrow(row, conf),
        milestones=[Milestone(index=m.index, amount=int(m.amount), status=STATUS_NAMES[m.status],
                              submitted_at=m.submitted_at, deliverable_hash=m.deliverable_hash,
                              to_freelancer=int(m.to_freelancer), to_client=int(m.to_client), fee=int(m.fee),
                              confirmed=m.block_number <= conf) for m in ms],
        timeline=[EscrowEvent(block_number=e.block_number, log_index=e.log_index, block_time=e.block_time,
                              tx_hash=e.tx_hash, event_name=e.event_name, args=e.args,
                              confirmed=e.block_number <= conf) for e in timeline],
    )


def treasury(conn: Connection, chain_id: int, *, confirmed_only: bool = True) -> TreasurySummary:
    conf = confirmed_block(conn, chain_id)
    limit_block = conf if confirmed_only else 2**62
    p = {"c": chain_id, "b": limit_block}
    inflows = conn.execute(text("""
        SELECT token, sum(amount) AS amount, count(*) AS n FROM treasury_inflows
         WHERE chain_id = :c AND block_number <= :b GROUP BY token ORDER BY token"""), p).all()
    dists = conn.execute(text("""
        SELECT token, kind, sum(amount) AS amount FROM treasury_distributions
         WHERE chain_id = :c AND block_number <= :b GROUP BY token, kind ORDER BY token, kind"""), p).all()
    splits = conn.execute(text("""
        SELECT to_address, bps, kind FROM treasury_splits
         WHERE chain_id = :c AND (block_number, log_index) = (
            SELECT block_number, log_index FROM treasury_splits WHERE chain_id = :c AND block_number <= :b
             ORDER BY block_number DESC, log_index DESC LIMIT 1)
         ORDER BY position"""), p).all()
    offsets = conn.execute(text("""
        SELECT * FROM carbon_offsets WHERE chain_id = :c AND block_number <= :b
         ORDER BY block_number, log_index"""), p).all()
    return TreasurySummary(
        chain_id=chain_id, confirmed_only=confirmed_only,
        inflows=[TokenAmount(token=r.token, amount=int(r.amount), count=r.n) for r in inflows],
        distributions=[KindAmount(token=r.token, kind=r.kind, amount=int(r.amount)) for r in dists],
        splits=[Split(to_address=r.to_address, bps=r.bps, kind=r.kind) for r in splits],
        offsets=[Offset(certificate_id=r.certificate_id, grams_co2e=int(r.grams_co2e), uri=r.uri,
                        recorded_by=r.recorded_by, block_number=r.block_number, confirmed=r.block_number <= conf)
                 for r in offsets],
    )


def gas(conn: Connection, chain_id: int, *, tx_hash: str | None = None, escrow: str | None = None,
        address: str | None = None) -> Gas:
    """Gas of one transaction, of every transaction that touched an escrow, or sent by an address."""
    if escrow is not None:
        sql = """SELECT count(*) n, coalesce(sum(gas_used), 0) g, coalesce(sum(fee_wei), 0) f FROM transactions
                  WHERE chain_id = :c AND tx_hash IN (SELECT tx_hash FROM events WHERE chain_id = :c AND
                        (address = :x OR (event_name = 'EscrowCreated' AND args->>'escrow' = :x)))"""
        value = escrow
    elif tx_hash is not None:
        sql = """SELECT count(*) n, coalesce(sum(gas_used), 0) g, coalesce(sum(fee_wei), 0) f FROM transactions
                  WHERE chain_id = :c AND tx_hash = :x"""
        value = tx_hash
    else:
        sql = """SELECT count(*) n, coalesce(sum(gas_used), 0) g, coalesce(sum(fee_wei), 0) f FROM transactions
                  WHERE chain_id = :c AND from_address = :x"""
        value = address or ""
    r = conn.execute(text(sql), {"c": chain_id, "x": value}).one()
    return Gas(transactions=r.n, gas_used=int(r.g), fee_wei=int(r.f))
