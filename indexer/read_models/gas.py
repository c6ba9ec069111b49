"""Gas actually used by indexed transactions (from their receipts), per transaction, escrow, sender,
or grouped by user action and period."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, text

from indexer.core.addresses import ZERO_ADDRESS
from indexer.read_models.base import _Model


class Gas(_Model):
    transactions: int
    gas_used: int
    fee_wei: int


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
                   WHEN e.event_name = 'Transfer' AND e.args->>'from' = '{ZERO_ADDRESS}' THEN 'Mint'
                   WHEN e.event_name = 'Transfer' AND e.args->>'to' = '{ZERO_ADDRESS}' THEN 'Burn'
                   ELSE e.event_name END
             WHERE (CAST(:c AS bigint) IS NULL OR e.chain_id = :c) {event_filter}
             ORDER BY e.chain_id, e.tx_hash, coalesce(a.priority, 999)
        )"""


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
