"""Read models of what moved for a set of wallets: typed movements across chains (escrow money and
token transfers) and released milestones (what invoices are made of). Both read the raw ``events``
of indexed escrows and the ``token_transfers`` projection.

Escrow money is read from the escrow's own events (so native-coin escrows count too); token transfers
to or from an indexed escrow are left out of the transfer types, as those events already say it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from indexer.read_models.base import INDEXED_CHAINS, _Model
from indexer.read_models.chains import ChainCursor, chain_cursors

MOVEMENT_TYPES = ("funding", "release", "refund", "fee", "transfer_in", "transfer_out", "mint")

# One row per (event, wallet role): ``sub`` orders the items one event gives the same wallet.
_MOVEMENTS = """
WITH esc AS (
    SELECT chain_id, address, client, freelancer, token FROM escrows
     WHERE (client = ANY(CAST(:w AS text[])) OR freelancer = ANY(CAST(:w AS text[])))
       AND (CAST(:c AS bigint) IS NULL OR chain_id = :c)
), ev AS (
    SELECT ev.chain_id, ev.block_number, ev.log_index, ev.block_time, ev.tx_hash, ev.event_name, ev.args,
           esc.client, esc.freelancer, esc.token, esc.address AS escrow
      FROM esc JOIN events ev ON ev.chain_id = esc.chain_id AND ev.address = esc.address
     WHERE ev.event_name IN ('Funded', 'MilestoneReleased', 'DisputeResolved', 'MilestoneRefunded')
), items AS (
    SELECT ev.*, 'funding' AS type, client AS wallet, (args->>'amount')::numeric AS amount, 0 AS sub
      FROM ev WHERE event_name = 'Funded' AND client = ANY(CAST(:w AS text[]))
    UNION ALL
    SELECT ev.*, 'release', freelancer, (args->>'toFreelancer')::numeric, 0
      FROM ev WHERE event_name IN ('MilestoneReleased', 'DisputeResolved') AND freelancer = ANY(CAST(:w AS text[]))
       AND (args->>'toFreelancer')::numeric > 0
    UNION ALL
    SELECT ev.*, 'fee', freelancer, (args->>'fee')::numeric, 1
      FROM ev WHERE event_name IN ('MilestoneReleased', 'DisputeResolved') AND freelancer = ANY(CAST(:w AS text[]))
       AND (args->>'fee')::numeric > 0
    UNION ALL
    SELECT ev.*, 'refund', client, (args->>'toClient')::numeric, 2
      FROM ev WHERE event_name = 'DisputeResolved' AND client = ANY(CAST(:w AS text[]))
       AND (args->>'toClient')::numeric > 0
    UNION ALL
    SELECT ev.*, 'refund', client, (args->>'amount')::numeric, 0
      FROM ev WHERE event_name = 'MilestoneRefunded' AND client = ANY(CAST(:w AS text[]))
    UNION ALL
    SELECT t.chain_id, t.block_number, t.log_index, t.block_time, t.tx_hash, 'Transfer', NULL, NULL, NULL,
           t.token, NULL,
           CASE WHEN t.from_address = :zero THEN 'mint'
                WHEN t.to_address = ANY(CAST(:w AS text[])) THEN 'transfer_in' ELSE 'transfer_out' END,
           CASE WHEN t.to_address = ANY(CAST(:w AS text[])) THEN t.to_address ELSE t.from_address END,
           t.value, 3
      FROM token_transfers t
     WHERE (t.from_address = ANY(CAST(:w AS text[])) OR t.to_address = ANY(CAST(:w AS text[])))
       AND (CAST(:c AS bigint) IS NULL OR t.chain_id = :c)
       AND NOT EXISTS (SELECT 1 FROM escrows e WHERE e.chain_id = t.chain_id
                          AND e.address IN (t.from_address, t.to_address))
)
SELECT *, CAST(extract(epoch FROM block_time) * 1000000 AS bigint) AS time_key,
       block_number * 1048576 + log_index AS log_key
  FROM items
 WHERE (CAST(:types AS text[]) IS NULL OR type = ANY(CAST(:types AS text[])))
   AND (CAST(:k0 AS bigint) IS NULL
        OR (CAST(extract(epoch FROM block_time) * 1000000 AS bigint), chain_id, block_number * 1048576 + log_index, sub)
           < (CAST(:k0 AS bigint), CAST(:k1 AS bigint), CAST(:k2 AS bigint), CAST(:k3 AS bigint)))
 ORDER BY block_time DESC, chain_id DESC, block_number DESC, log_index DESC, sub DESC
 LIMIT :lim
"""


class Movement(_Model):
    chain_id: int
    block_number: int
    log_index: int
    sub: int
    block_time: datetime
    tx_hash: str
    type: str
    wallet: str
    amount: int
    token: str
    escrow: str | None
    confirmed: bool
    key: tuple[int, int, int, int]


def wallet_movements(conn: Connection, wallets: Sequence[str], *, chain_id: int | None = None,
                     types: Sequence[str] | None = None, limit: int = 50,
                     after: tuple[int, int, int, int] | None = None) -> list[Movement]:
    """Money that moved for ``wallets``, newest first across chains; keyset on (block time in µs,
    chain_id, block_number*2^20 + log_index, sub); ``limit + 1`` rows."""
    if not wallets:
        return []
    cursors = chain_cursors(conn)
    rows = conn.execute(text(_MOVEMENTS), {
        "w": list(wallets), "c": chain_id, "zero": "0x" + "0" * 40, "types": list(types) if types else None,
        "k0": after[0] if after else None, "k1": after[1] if after else None,
        "k2": after[2] if after else None, "k3": after[3] if after else None, "lim": limit + 1}).all()
    return [Movement(chain_id=r.chain_id, block_number=r.block_number, log_index=r.log_index, sub=r.sub,
                     block_time=r.block_time, tx_hash=r.tx_hash, type=r.type, wallet=r.wallet,
                     amount=int(r.amount), token=r.token, escrow=r.escrow,
                     confirmed=r.chain_id in cursors and r.block_number <= cursors[r.chain_id].confirmed_block,
                     key=(int(r.time_key), r.chain_id, int(r.log_key), r.sub)) for r in rows]


class ReleasedMilestone(_Model):
    chain_id: int
    escrow: str
    index: int
    client: str
    freelancer: str
    token: str
    gross: int
    to_freelancer: int
    fee: int
    fee_bps: int
    tx_hash: str
    block_number: int
    block_time: datetime
    confirmed: bool


_RELEASED = """
SELECT ev.chain_id, e.address AS escrow, (ev.args->>'index')::bigint AS index, e.client, e.freelancer,
       e.token, e.fee_bps, (ev.args->>'toFreelancer')::numeric AS to_freelancer, (ev.args->>'fee')::numeric AS fee,
       ev.tx_hash, ev.block_number, ev.block_time
  FROM escrows e JOIN events ev ON ev.chain_id = e.chain_id AND ev.address = e.address
 WHERE ev.event_name IN ('MilestoneReleased', 'DisputeResolved')
   AND (ev.args->>'toFreelancer')::numeric + (ev.args->>'fee')::numeric > 0
"""


def _released(r: Any, cursors: dict[int, ChainCursor]) -> ReleasedMilestone:
    cur = cursors.get(r.chain_id)
    return ReleasedMilestone(
        chain_id=r.chain_id, escrow=r.escrow, index=int(r.index), client=r.client,
        freelancer=r.freelancer, token=r.token, fee_bps=r.fee_bps,
        to_freelancer=int(r.to_freelancer), fee=int(r.fee), gross=int(r.to_freelancer) + int(r.fee),
        tx_hash=r.tx_hash, block_number=r.block_number, block_time=r.block_time,
        confirmed=cur is not None and r.block_number <= cur.confirmed_block)


def released_milestones(conn: Connection, wallets: Sequence[str], *, limit: int = 50,
                        after: tuple[datetime, int, str, int] | None = None) -> list[ReleasedMilestone]:
    """Milestones paid out (released, or resolved with a freelancer share) of escrows where a wallet is
    client or freelancer; newest first, keyset on (block_time, chain_id, escrow, index); ``limit + 1``."""
    if not wallets:
        return []
    cursors = chain_cursors(conn)
    rows = conn.execute(text(_RELEASED + """
       AND e.chain_id = ANY(""" + INDEXED_CHAINS + """)
       AND (e.client = ANY(CAST(:w AS text[])) OR e.freelancer = ANY(CAST(:w AS text[])))
       AND (CAST(:k0 AS timestamptz) IS NULL OR (ev.block_time, ev.chain_id, e.address, (ev.args->>'index')::bigint)
            < (CAST(:k0 AS timestamptz), CAST(:k1 AS bigint), CAST(:k2 AS text), CAST(:k3 AS bigint)))
     ORDER BY ev.block_time DESC, ev.chain_id DESC, e.address DESC, (ev.args->>'index')::bigint DESC
     LIMIT :lim"""), {"w": list(wallets), "lim": limit + 1, "k0": after[0] if after else None,
                      "k1": after[1] if after else None, "k2": after[2] if after else None,
                      "k3": after[3] if after else None}).all()
    return [_released(r, cursors) for r in rows]


def released_milestone(conn: Connection, chain_id: int, escrow: str, index: int) -> ReleasedMilestone | None:
    row = conn.execute(text(_RELEASED + """
       AND ev.chain_id = :c AND e.address = :a AND (ev.args->>'index')::bigint = :i
     ORDER BY ev.block_number DESC LIMIT 1"""), {"c": chain_id, "a": escrow, "i": index}).first()
    return None if row is None else _released(row, chain_cursors(conn))
