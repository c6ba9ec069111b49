"""Sustainability reads across the treasury projection and the indexed transactions: per-transaction gas
(carbon events), monthly ledger figures with the transactions behind them, ledger entries, social
allocations and a keyset page of offsets. Confirmed rows only unless told otherwise; bounded everywhere
(callers pass limits; the transaction hashes of a figure are cut to ``TX_SAMPLE``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Connection, text

from indexer.read_models.base import _Model
from indexer.core.addresses import ZERO_ADDRESS
from indexer.read_models.gas import ACTION_OF_EVENT, _action_sql

TX_SAMPLE = 20  # transaction hashes listed per figure; the rest are one ledger query away
Section = Literal["fees", "distributions", "offsets", "emissions"]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TxGas(_Model):
    chain_id: int
    tx_hash: str
    block_number: int
    block_time: datetime
    sender: str
    action: str
    gas_used: int
    confirmed: bool


def tx_gas_page(conn: Connection, *, senders: list[str] | None, chain_id: int | None, limit: int,
                after: tuple[int, int, str] | None = None) -> list[TxGas]:
    """Indexed transactions (optionally only those ``senders`` sent), newest first, keyset on
    (block_number, chain_id, tx_hash) descending; ``limit + 1`` rows so the caller can tell a next page.
    The page is cut from ``transactions`` first; only its own events are read to name each action."""
    values = ", ".join(f"('{ev}', '{action}', {i})" for i, (ev, action) in enumerate(ACTION_OF_EVENT))
    p: dict[str, object] = {"c": chain_id, "s": senders, "lim": limit + 1,
                            "ab": after[0] if after else None, "ac": after[1] if after else None,
                            "ah": after[2] if after else None}
    sql = f"""
        WITH actions(event_name, action, priority) AS (VALUES {values}),
        page AS (
            SELECT t.chain_id, t.tx_hash, t.block_number, t.from_address, t.gas_used FROM transactions t
             WHERE (CAST(:c AS bigint) IS NULL OR t.chain_id = :c)
               AND (CAST(:s AS text[]) IS NULL OR t.from_address = ANY(CAST(:s AS text[])))
               AND (CAST(:ab AS bigint) IS NULL OR (t.block_number, t.chain_id, t.tx_hash) < (:ab, :ac, :ah))
             ORDER BY t.block_number DESC, t.chain_id DESC, t.tx_hash DESC LIMIT :lim)
        SELECT p.*, x.block_time, x.action, p.block_number <= ch.confirmed_block AS confirmed
          FROM page p JOIN chains ch ON ch.chain_id = p.chain_id
          CROSS JOIN LATERAL (
              SELECT e.block_time, coalesce(a.action, 'other') AS action FROM events e
                LEFT JOIN actions a ON a.event_name = CASE
                     WHEN e.event_name = 'Transfer' AND e.args->>'from' = '{ZERO_ADDRESS}' THEN 'Mint'
                     WHEN e.event_name = 'Transfer' AND e.args->>'to' = '{ZERO_ADDRESS}' THEN 'Burn'
                     ELSE e.event_name END
               -- through the events' key (there is no index on tx_hash): the block, then its transaction
               WHERE e.chain_id = p.chain_id AND e.block_number = p.block_number AND e.tx_hash = p.tx_hash
               ORDER BY coalesce(a.priority, 999) LIMIT 1) x
         ORDER BY p.block_number DESC, p.chain_id DESC, p.tx_hash DESC"""
    rows = conn.execute(text(sql), p).all()
    return [TxGas(chain_id=r.chain_id, tx_hash=r.tx_hash, block_number=r.block_number, block_time=_utc(r.block_time),
                  sender=r.from_address, action=r.action, gas_used=int(r.gas_used), confirmed=r.confirmed)
            for r in rows]


class GasTotal(_Model):
    chain_id: int
    transactions: int
    gas_used: int


def gas_totals(conn: Connection, *, senders: list[str] | None = None) -> list[GasTotal]:
    """Gas of every indexed transaction (of ``senders``) per chain."""
    rows = conn.execute(text("""
        SELECT chain_id, count(*) AS n, coalesce(sum(gas_used), 0) AS g FROM transactions
         WHERE (CAST(:s AS text[]) IS NULL OR from_address = ANY(CAST(:s AS text[])))
         GROUP BY chain_id ORDER BY chain_id"""), {"s": senders}).all()
    return [GasTotal(chain_id=r.chain_id, transactions=r.n, gas_used=int(r.g)) for r in rows]


class Figure(_Model):
    """One monthly figure of the ledger and the transactions behind it (the first ``TX_SAMPLE``)."""

    month: datetime
    chain_id: int
    section: str
    token: str | None = None
    kind: str | None = None
    destination: str | None = None
    amount: int
    count: int
    tx_hashes: list[str]


_FIGURES = {
    "fees": """
        SELECT date_trunc('month', f.block_time AT TIME ZONE 'UTC') AS month, f.chain_id, f.token,
               NULL AS kind, NULL AS destination, sum(f.amount) AS amount, count(*) AS n,
               (array_agg(f.tx_hash ORDER BY f.block_number, f.log_index))[1:{sample}] AS txs
          FROM treasury_inflows f JOIN chains ch ON ch.chain_id = f.chain_id
         WHERE f.block_time >= :start AND f.block_time < :end AND f.block_number <= {limit_block}
         GROUP BY 1, 2, 3""",
    "distributions": """
        SELECT date_trunc('month', f.block_time AT TIME ZONE 'UTC') AS month, f.chain_id, f.token,
               f.kind, f.to_address AS destination, sum(f.amount) AS amount, count(*) AS n,
               (array_agg(f.tx_hash ORDER BY f.block_number, f.log_index))[1:{sample}] AS txs
          FROM treasury_distributions f JOIN chains ch ON ch.chain_id = f.chain_id
         WHERE f.block_time >= :start AND f.block_time < :end AND f.block_number <= {limit_block}
         GROUP BY 1, 2, 3, 4, 5""",
    "offsets": """
        SELECT date_trunc('month', f.block_time AT TIME ZONE 'UTC') AS month, f.chain_id, NULL AS token,
               NULL AS kind, NULL AS destination, sum(f.grams_co2e) AS amount, count(*) AS n,
               (array_agg(f.tx_hash ORDER BY f.block_number, f.log_index))[1:{sample}] AS txs
          FROM carbon_offsets f JOIN chains ch ON ch.chain_id = f.chain_id
         WHERE f.block_time >= :start AND f.block_time < :end AND f.block_number <= {limit_block}
         GROUP BY 1, 2""",
}


def monthly_figures(conn: Connection, start: datetime, end: datetime, *, confirmed_only: bool = True) -> list[Figure]:
    """Fees received (per chain, token), distributions (per chain, kind, token, destination), offsets
    (grams per chain) and emissions (gas per chain) per UTC month in [start, end)."""
    limit_block = "ch.confirmed_block" if confirmed_only else "ch.block_number"
    out: list[Figure] = []
    p = {"start": start, "end": end}
    for section, sql in _FIGURES.items():
        for r in conn.execute(text(sql.format(sample=TX_SAMPLE, limit_block=limit_block)), p).all():
            out.append(Figure(month=_utc(r.month), chain_id=r.chain_id, section=section, token=r.token, kind=r.kind,
                              destination=r.destination, amount=int(r.amount), count=r.n, tx_hashes=list(r.txs)))
    gas_sql = _action_sql("") + f"""
        SELECT date_trunc('month', x.block_time AT TIME ZONE 'UTC') AS month, t.chain_id, sum(t.gas_used) AS amount,
               count(*) AS n, (array_agg(t.tx_hash ORDER BY t.block_number, t.tx_index))[1:{TX_SAMPLE}] AS txs
          FROM transactions t
          JOIN tx_events x ON x.chain_id = t.chain_id AND x.tx_hash = t.tx_hash
          JOIN chains ch ON ch.chain_id = t.chain_id
         WHERE x.block_time >= :start AND x.block_time < :end AND t.block_number <= {limit_block}
         GROUP BY 1, 2"""
    for r in conn.execute(text(gas_sql), p | {"c": None}).all():
        out.append(Figure(month=_utc(r.month), chain_id=r.chain_id, section="emissions", amount=int(r.amount),
                          count=r.n, tx_hashes=list(r.txs)))
    out.sort(key=lambda f: (f.month, f.chain_id, f.section, f.kind or "", f.token or "", f.destination or ""))
    return out


class LedgerEntry(_Model):
    chain_id: int
    block_number: int
    log_index: int
    block_time: datetime
    tx_hash: str
    section: str
    token: str | None = None
    kind: str | None = None
    counterparty: str | None = None
    amount: int
    reference: str | None = None


_ENTRIES = {
    "fees": ("treasury_inflows", "token, NULL AS kind, from_address AS counterparty, amount, escrow AS reference"),
    "distributions": ("treasury_distributions", "token, kind, to_address AS counterparty, amount, NULL AS reference"),
    "offsets": ("carbon_offsets", "NULL AS token, NULL AS kind, recorded_by AS counterparty, grams_co2e AS amount, "
                                  "certificate_id AS reference"),
}


def ledger_entries(conn: Connection, section: str, start: datetime, end: datetime, *, chain_id: int | None,
                   limit: int, after: tuple[int, int, int] | None = None, confirmed_only: bool = True) -> list[LedgerEntry]:
    """The transactions behind a month's figures, one row per event, oldest first, keyset on (chain_id,
    block_number, log_index); ``limit + 1`` rows."""
    table, columns = _ENTRIES[section]
    limit_block = "ch.confirmed_block" if confirmed_only else "ch.block_number"
    sql = f"""
        SELECT f.chain_id, f.block_number, f.log_index, f.block_time, f.tx_hash, {columns}
          FROM {table} f JOIN chains ch ON ch.chain_id = f.chain_id
         WHERE f.block_time >= :start AND f.block_time < :end AND f.block_number <= {limit_block}
           AND (CAST(:c AS bigint) IS NULL OR f.chain_id = :c)
           AND (CAST(:a1 AS bigint) IS NULL OR (f.chain_id, f.block_number, f.log_index) > (:a1, :a2, :a3))
         ORDER BY f.chain_id, f.block_number, f.log_index LIMIT :lim"""
    p = {"start": start, "end": end, "c": chain_id, "lim": limit + 1, "a1": after[0] if after else None,
         "a2": after[1] if after else None, "a3": after[2] if after else None}
    return [LedgerEntry(chain_id=r.chain_id, block_number=r.block_number, log_index=r.log_index,
                        block_time=_utc(r.block_time), tx_hash=r.tx_hash, section=section, token=r.token, kind=r.kind,
                        counterparty=r.counterparty, amount=int(r.amount), reference=r.reference)
            for r in conn.execute(text(sql), p).all()]


class OffsetRow(_Model):
    chain_id: int
    block_number: int
    log_index: int
    block_time: datetime
    tx_hash: str
    certificate_id: str
    grams_co2e: int
    uri: str
    recorded_by: str
    confirmed: bool


def offsets_page(conn: Connection, *, chain_id: int | None, limit: int, after: tuple[int, int, int] | None = None,
                 confirmed_only: bool = True) -> list[OffsetRow]:
    """Recorded offsets, newest first, keyset on (block_number, chain_id, log_index) descending; ``limit + 1``."""
    limit_block = "ch.confirmed_block" if confirmed_only else "ch.block_number"
    sql = f"""
        SELECT o.*, o.block_number <= ch.confirmed_block AS confirmed
          FROM carbon_offsets o JOIN chains ch ON ch.chain_id = o.chain_id
         WHERE o.block_number <= {limit_block} AND (CAST(:c AS bigint) IS NULL OR o.chain_id = :c)
           AND (CAST(:a1 AS bigint) IS NULL OR (o.block_number, o.chain_id, o.log_index) < (:a1, :a2, :a3))
         ORDER BY o.block_number DESC, o.chain_id DESC, o.log_index DESC LIMIT :lim"""
    p = {"c": chain_id, "lim": limit + 1, "a1": after[0] if after else None, "a2": after[1] if after else None,
         "a3": after[2] if after else None}
    return [OffsetRow(chain_id=r.chain_id, block_number=r.block_number, log_index=r.log_index,
                      block_time=_utc(r.block_time), tx_hash=r.tx_hash, certificate_id=r.certificate_id,
                      grams_co2e=int(r.grams_co2e), uri=r.uri, recorded_by=r.recorded_by, confirmed=r.confirmed)
            for r in conn.execute(text(sql), p).all()]


def offset_certificates(conn: Connection, certificate_ids: list[str]) -> dict[str, tuple[int, str]]:
    """(chain id, tx hash) of each recorded certificate id (lower-case hex) found in the index."""
    if not certificate_ids:
        return {}
    rows = conn.execute(text("""
        SELECT certificate_id, chain_id, tx_hash FROM carbon_offsets
         WHERE certificate_id = ANY(CAST(:ids AS text[]))"""), {"ids": certificate_ids}).all()
    return {r.certificate_id: (r.chain_id, r.tx_hash) for r in rows}


class FeeShare(_Model):
    month: datetime
    chain_id: int
    token: str
    mine: int  # fees paid by escrows whose client is one of the wallets
    total: int


def fee_shares(conn: Connection, wallets: list[str], start: datetime, end: datetime) -> list[FeeShare]:
    """Per UTC month, chain and token: confirmed fees paid by the wallets' escrows (as client) and in all."""
    rows = conn.execute(text("""
        SELECT date_trunc('month', f.block_time AT TIME ZONE 'UTC') AS month, f.chain_id, f.token,
               coalesce(sum(f.amount) FILTER (WHERE e.client = ANY(CAST(:w AS text[]))), 0) AS mine,
               sum(f.amount) AS total
          FROM treasury_inflows f
          JOIN chains ch ON ch.chain_id = f.chain_id
          LEFT JOIN escrows e ON e.chain_id = f.chain_id AND e.address = f.escrow
         WHERE f.block_time >= :start AND f.block_time < :end AND f.block_number <= ch.confirmed_block
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""), {"w": wallets, "start": start, "end": end}).all()
    return [FeeShare(month=_utc(r.month), chain_id=r.chain_id, token=r.token, mine=int(r.mine), total=int(r.total))
            for r in rows]
