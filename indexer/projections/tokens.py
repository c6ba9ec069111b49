"""Token projection: every LancerToken Transfer, and the latest balance per holder.

Confirmed or as-of-block balances are the latest balance minus the transfers above that block
(``indexer.read_models``), so only the latest balance is stored.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert

from indexer import models
from indexer.decode import DecodedEvent

ZERO = "0x0000000000000000000000000000000000000000"
TOKEN_CONTRACTS = ("LancerToken",)


def apply(conn: Connection, chain_id: int, events: Sequence[DecodedEvent]) -> None:
    rows = []
    deltas: dict[tuple[str, str], list[int]] = {}
    for ev in events:
        if ev.contract not in TOKEN_CONTRACTS or ev.event_name != "Transfer":
            continue
        src, dst, value = ev.args["from"], ev.args["to"], int(ev.args["value"])
        rows.append({
            "chain_id": chain_id, "block_number": ev.block_number, "log_index": ev.log_index,
            "block_time": ev.block_time, "tx_hash": ev.tx_hash, "token": ev.address,
            "from_address": src, "to_address": dst, "value": value,
        })
        # The zero address is the mint source / burn sink, not a holder.
        for holder, delta in ((src, -value), (dst, value)):
            if holder == ZERO:
                continue
            slot = deltas.setdefault((ev.address, holder), [0, 0])
            slot[0] += delta
            slot[1] = max(slot[1], ev.block_number)
    if not rows:
        return
    conn.execute(insert(models.token_transfers).on_conflict_do_nothing(), rows)
    stmt = insert(models.token_balances)
    stmt = stmt.on_conflict_do_update(
        index_elements=["chain_id", "token", "holder"],
        set_={
            "balance": models.token_balances.c.balance + stmt.excluded.balance,
            "block_number": func.greatest(models.token_balances.c.block_number, stmt.excluded.block_number),
        },
    )
    conn.execute(stmt, [
        {"chain_id": chain_id, "token": token, "holder": holder, "balance": d, "block_number": b}
        for (token, holder), (d, b) in sorted(deltas.items())
    ])


def rollback(conn: Connection, chain_id: int, ancestor: int) -> None:
    # Recompute the holders touched above the ancestor from the transfers that stay.
    conn.execute(text("""
        WITH touched AS (
            SELECT token, from_address AS holder FROM token_transfers WHERE chain_id = :c AND block_number > :n
            UNION SELECT token, to_address FROM token_transfers WHERE chain_id = :c AND block_number > :n
        ), gone AS (
            DELETE FROM token_balances b USING touched t
            WHERE b.chain_id = :c AND b.token = t.token AND b.holder = t.holder
            RETURNING b.token, b.holder
        ), moves AS (
            SELECT tr.token, tr.to_address AS holder, tr.value AS delta, tr.block_number FROM token_transfers tr
              JOIN gone g ON g.token = tr.token AND g.holder = tr.to_address
              WHERE tr.chain_id = :c AND tr.block_number <= :n
            UNION ALL
            SELECT tr.token, tr.from_address, -tr.value, tr.block_number FROM token_transfers tr
              JOIN gone g ON g.token = tr.token AND g.holder = tr.from_address
              WHERE tr.chain_id = :c AND tr.block_number <= :n
        )
        INSERT INTO token_balances (chain_id, token, holder, balance, block_number)
        SELECT :c, token, holder, sum(delta), max(block_number) FROM moves GROUP BY token, holder
    """), {"c": chain_id, "n": ancestor})
    t = models.token_transfers
    conn.execute(delete(t).where(t.c.chain_id == chain_id, t.c.block_number > ancestor))


def clear(conn: Connection, chain_id: int) -> None:
    conn.execute(delete(models.token_transfers).where(models.token_transfers.c.chain_id == chain_id))
    conn.execute(delete(models.token_balances).where(models.token_balances.c.chain_id == chain_id))


def holders(conn: Connection, chain_id: int) -> list[str]:
    b = models.token_balances
    return list(conn.execute(select(b.c.holder).where(b.c.chain_id == chain_id)).scalars())
