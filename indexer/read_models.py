"""Read models: the only way the API reads chain data. Every function takes a SQLAlchemy
``Connection`` and returns typed, frozen pydantic models; amounts are ints in base units.

Confirmed vs pending: a row is confirmed when its block is at or below ``chains.confirmed_block``.
Balances can be asked "as of" any block (``confirmed=True`` means as of the confirmed block).
"""

from __future__ import annotations

from datetime import UTC, datetime
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
    indexed_block_time: datetime | None = None
    updated_at: datetime | None = None


class Balance(_Model):
    chain_id: int
    token: str
    holder: str
    balance: int
    as_of_block: int
    confirmed: bool


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


def confirmed_block(conn: Connection, chain_id: int) -> int:
    value = conn.execute(text("SELECT confirmed_block FROM chains WHERE chain_id = :c"), {"c": chain_id}).scalar()
    if value is None:
        raise UnknownChainError(f"chain {chain_id} is not indexed")
    return int(value)


def chain_status(conn: Connection, chain_id: int | None = None) -> list[ChainStatus]:
    rows = conn.execute(text("""
        SELECT c.*, b.timestamp AS indexed_block_time FROM chains c
          LEFT JOIN blocks b ON b.chain_id = c.chain_id AND b.number = c.block_number
         WHERE (CAST(:c AS bigint) IS NULL OR c.chain_id = :c) ORDER BY c.chain_id"""), {"c": chain_id}).all()
    return [ChainStatus(
        chain_id=r.chain_id, name=r.name, indexed_block=r.block_number, indexed_hash=r.block_hash,
        head_block=r.head_block, confirmed_block=r.confirmed_block,
        lag_blocks=None if r.head_block is None else max(0, r.head_block - r.block_number),
        head_seen_at=r.head_seen_at, reorg_count=r.reorg_count, last_reorg_depth=r.last_reorg_depth,
        max_reorg_depth=r.max_reorg_depth, last_reorg_at=r.last_reorg_at,
        indexed_block_time=r.indexed_block_time, updated_at=r.updated_at) for r in rows]


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
        SELECT * FROM events WHERE chain_id = :c AND tx_hash = :t AND event_name = 'EscrowCreated'
           AND args->>'escrow' = :a
         ORDER BY block_number, log_index"""), {"c": chain_id, "a": address, "t": row.created_tx}).all()
    return EscrowDetail(
        escrow=_escrow(row, conf),
        milestones=[Milestone(index=m.index, amount=int(m.amount), status=STATUS_NAMES[m.status],
                              submitted_at=m.submitted_at, deliverable_hash=m.deliverable_hash,
                              to_freelancer=int(m.to_freelancer), to_client=int(m.to_client), fee=int(m.fee),
                              disputed_by=m.disputed_by, confirmed=m.block_number <= conf) for m in ms],
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


# --- read API support ------------------------------------------------------------------------------

def index_version(conn: Connection) -> str:
    """A token that changes whenever any indexer commits a batch, moves its confirmed block or rolls
    back a reorg: caches keyed by it are invalidated by the index itself."""
    value = conn.execute(text("""
        SELECT coalesce(string_agg(chain_id || ':' || block_number || ':' || coalesce(block_hash, '') || ':'
                                   || confirmed_block || ':' || coalesce(head_block, -1) || ':' || reorg_count,
                                   ',' ORDER BY chain_id), '')
          FROM chains""")).scalar_one()
    return str(value)


class ChainCursor(_Model):
    chain_id: int
    indexed_block: int
    confirmed_block: int


def chain_cursors(conn: Connection) -> dict[int, ChainCursor]:
    rows = conn.execute(text("SELECT chain_id, block_number, confirmed_block FROM chains")).all()
    return {r.chain_id: ChainCursor(chain_id=r.chain_id, indexed_block=r.block_number,
                                    confirmed_block=r.confirmed_block) for r in rows}


class NativeBalance(_Model):
    chain_id: int
    holder: str
    balance: int
    as_of_block: int


def native_balance(conn: Connection, chain_id: int, holder: str, at_block: int) -> NativeBalance | None:
    """The latest native-coin snapshot of ``holder`` at or below ``at_block`` (None: never seen), of
    a canonical block only: the snapshot's block hash must be the indexed block's."""
    row = conn.execute(text("""
        SELECT n.block_number, n.balance FROM native_balances n
          JOIN blocks b ON b.chain_id = n.chain_id AND b.number = n.block_number AND b.hash = n.block_hash
         WHERE n.chain_id = :c AND n.holder = :h AND n.block_number <= :b
         ORDER BY n.block_number DESC LIMIT 1"""), {"c": chain_id, "h": holder, "b": at_block}).first()
    if row is None:
        return None
    return NativeBalance(chain_id=chain_id, holder=holder, balance=int(row.balance), as_of_block=row.block_number)


class AccountTransfer(_Model):
    chain_id: int
    block_number: int
    log_index: int
    block_time: datetime
    tx_hash: str
    token: str
    from_address: str
    to_address: str
    value: int


def account_transfers(conn: Connection, address: str, *, chain_id: int | None = None, limit: int = 50,
                      after: tuple[int, int, int] | None = None) -> list[AccountTransfer]:
    """Token transfers from or to ``address``, newest first across chains, keyset on
    (block_time epoch microseconds, chain_id, block_number*2^20 + log_index); ``limit + 1`` rows."""
    rows = conn.execute(text("""
        WITH t AS (
            SELECT * FROM token_transfers WHERE from_address = :a
               AND (CAST(:c AS bigint) IS NULL OR chain_id = :c)
            UNION
            SELECT * FROM token_transfers WHERE to_address = :a
               AND (CAST(:c AS bigint) IS NULL OR chain_id = :c)
        )
        SELECT * FROM t
         WHERE CAST(:k0 AS bigint) IS NULL
            OR (CAST(extract(epoch FROM block_time) * 1000000 AS bigint), chain_id,
                block_number * 1048576 + log_index) < (CAST(:k0 AS bigint), CAST(:k1 AS bigint), CAST(:k2 AS bigint))
         ORDER BY block_time DESC, chain_id DESC, block_number DESC, log_index DESC
         LIMIT :lim"""), {"a": address, "c": chain_id, "k0": after[0] if after else None,
                          "k1": after[1] if after else None, "k2": after[2] if after else None,
                          "lim": limit + 1}).all()
    return [AccountTransfer(chain_id=r.chain_id, block_number=r.block_number, log_index=r.log_index,
                            block_time=r.block_time, tx_hash=r.tx_hash, token=r.token, from_address=r.from_address,
                            to_address=r.to_address, value=int(r.value)) for r in rows]


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


# Each indexed transaction is one user action, named after its most telling platform event.
ACTION_OF_EVENT: tuple[tuple[str, str], ...] = (
    ("EscrowCreated", "escrow.create"), ("Funded", "escrow.fund"), ("Accepted", "escrow.accept"),
    ("MilestoneSubmitted", "escrow.submit"), ("DisputeOpened", "escrow.dispute"),
    ("DisputeResolved", "escrow.resolve"), ("MilestoneReleased", "escrow.release"),
    ("MilestoneRefunded", "escrow.refund"), ("OffsetRecorded", "treasury.record_offset"),
    ("Distributed", "treasury.distribute"), ("SplitsUpdated", "treasury.set_splits"),
    ("FeeReceived", "treasury.deposit_fee"), ("FeeUpdated", "factory.set_fee_bps"),
    ("TreasuryUpdated", "factory.set_treasury"), ("Mint", "token.mint"), ("Burn", "token.burn"),
    ("Transfer", "token.transfer"), ("Approval", "token.approve"), ("DelegateChanged", "token.delegate"),
)
PERIODS = ("day", "week", "month")


class GasByAction(_Model):
    chain_id: int
    action: str
    period_start: datetime | None
    transactions: int
    gas_used: int
    confirmed_gas_used: int


def _action_sql(event_filter: str) -> str:
    values = ", ".join(f"('{ev}', '{action}', {i})" for i, (ev, action) in enumerate(ACTION_OF_EVENT))
    return f"""
        WITH actions(event_name, action, priority) AS (VALUES {values}),
        tx_events AS (
            SELECT DISTINCT ON (e.chain_id, e.tx_hash) e.chain_id, e.tx_hash, e.block_time,
                   coalesce(a.action, 'other') AS action
              FROM events e
              LEFT JOIN actions a ON a.event_name = CASE
                   WHEN e.event_name = 'Transfer' AND e.args->>'from' = '{_ZERO}' THEN 'Mint'
                   WHEN e.event_name = 'Transfer' AND e.args->>'to' = '{_ZERO}' THEN 'Burn'
                   ELSE e.event_name END
             WHERE (CAST(:c AS bigint) IS NULL OR e.chain_id = :c) {event_filter}
             ORDER BY e.chain_id, e.tx_hash, coalesce(a.priority, 999)
        )"""


_ZERO = "0x0000000000000000000000000000000000000000"


def gas_by_action(conn: Connection, *, chain_id: int | None = None, period: str | None = None,
                  sender: str | None = None, escrow: str | None = None) -> list[GasByAction]:
    """Gas actually used by indexed transactions, grouped by chain, action and (optionally) UTC period;
    optionally only transactions sent by ``sender`` or that touched ``escrow``."""
    if period is not None and period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}")
    event_filter = ""
    if escrow is not None:
        event_filter = """AND e.tx_hash IN (SELECT tx_hash FROM events WHERE chain_id = e.chain_id AND address = :x
                          UNION SELECT created_tx FROM escrows WHERE chain_id = e.chain_id AND address = :x)"""
    bucket = f"date_trunc('{period}', x.block_time AT TIME ZONE 'UTC')" if period else "NULL::timestamp"
    sql = _action_sql(event_filter) + f"""
        SELECT t.chain_id, x.action, {bucket} AS period_start, count(*) AS n, sum(t.gas_used) AS gas,
               sum(CASE WHEN t.block_number <= ch.confirmed_block THEN t.gas_used ELSE 0 END) AS confirmed_gas
          FROM transactions t
          JOIN tx_events x ON x.chain_id = t.chain_id AND x.tx_hash = t.tx_hash
          JOIN chains ch ON ch.chain_id = t.chain_id
         WHERE (CAST(:s AS text) IS NULL OR t.from_address = :s)
         GROUP BY 1, 2, 3 ORDER BY 1, 3, 2"""
    rows = conn.execute(text(sql), {"c": chain_id, "s": sender, "x": escrow}).all()
    return [GasByAction(chain_id=r.chain_id, action=r.action,
                        period_start=r.period_start.replace(tzinfo=UTC) if r.period_start else None,
                        transactions=r.n, gas_used=int(r.gas), confirmed_gas_used=int(r.confirmed_gas))
            for r in rows]


class OffsetTotal(_Model):
    chain_id: int
    certificates: int
    grams_co2e: int


def offsets_by_chain(conn: Connection) -> list[OffsetTotal]:
    rows = conn.execute(text("""
        SELECT chain_id, count(*) AS n, coalesce(sum(grams_co2e), 0) AS g FROM carbon_offsets
         GROUP BY chain_id ORDER BY chain_id""")).all()
    return [OffsetTotal(chain_id=r.chain_id, certificates=r.n, grams_co2e=int(r.g)) for r in rows]
