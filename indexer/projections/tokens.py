"""Token projection: every LancerToken Transfer, and the latest balance per holder.

Confirmed or as-of-block balances are the latest balance minus the transfers above that block
(``indexer.read_models``), so only the latest balance is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select, text

from indexer import bulk, models
from indexer.core.addresses import ZERO_ADDRESS
from indexer.decode import DecodedEvent

TOKEN_CONTRACTS = ("LancerToken",)
TRANSFER_COLUMNS = ("chain_id", "block_number", "log_index", "block_time", "tx_hash", "token", "from_address",
                    "to_address", "value")


@dataclass(slots=True)
class Prepared:
    """A batch's transfers, COPY-encoded, and its net balance change per (token, holder)."""

    transfers: bytes
    balances: bytes  # COPY-encoded (chain_id, token, holder, delta, last block), sorted by (token, holder)


def prepare(chain_id: int, events: Sequence[DecodedEvent]) -> Prepared:
    """Everything ``apply`` does without the database: the fetcher's pool runs it, off the writer's
    thread (the writer is the pipeline's bottleneck, and a dense token batch is ~10k transfers).
    ``events`` are in chain order (as ``apply`` gets them)."""
    # Rows go COPY-encoded with one f-string each (in TRANSFER_COLUMNS order): a generic per-value
    # encoder costs more than the database's work.
    lines: list[str] = []
    times: dict[datetime, str] = {}
    text_ = bulk.CopyTexts()
    net: dict[tuple[str, str], int] = {}
    last: dict[tuple[str, str], int] = {}  # chain order: the last block seen is the highest
    for ev in events:
        if ev.event_name != "Transfer" or ev.contract not in TOKEN_CONTRACTS:
            continue
        args = ev.args
        src, dst, value, token, block = args["from"], args["to"], int(args["value"]), ev.address, ev.block_number
        when = times.get(ev.block_time) or times.setdefault(ev.block_time, ev.block_time.isoformat())
        lines.append(f"{chain_id:d}\t{block:d}\t{ev.log_index:d}\t{when}\t{text_[ev.tx_hash]}\t{text_[token]}\t"
                     f"{text_[src]}\t{text_[dst]}\t{value:d}\n")
        # The zero address is the mint source / burn sink, not a holder.
        if src != ZERO_ADDRESS:
            key = (token, src)
            net[key] = net.get(key, 0) - value
            last[key] = block
        if dst != ZERO_ADDRESS:
            key = (token, dst)
            net[key] = net.get(key, 0) + value
            last[key] = block
    # One row per (token, holder): the batch's net change, added to the stored balance.
    return Prepared("".join(lines).encode(), "".join(
        f"{chain_id:d}\t{text_[token]}\t{text_[holder]}\t{d:d}\t{last[(token, holder)]:d}\n"
        for (token, holder), d in sorted(net.items())).encode())


def apply(conn: Connection, chain_id: int, events: Sequence[DecodedEvent], prepared: Prepared | None = None) -> None:
    """Write a batch's transfers and balance changes (``prepared``: what ``prepare`` made of these
    same events, if it ran already)."""
    done = prepared if prepared is not None else prepare(chain_id, events)
    if not done.transfers:
        return
    # Transfers of a batch are new (written above the cursor, or replayed after a clear): COPYed
    # straight in, with the conflict-skipping path as the fallback (``bulk.insert``).
    bulk.insert(conn, models.token_transfers, TRANSFER_COLUMNS, done.transfers,
                conflict=("chain_id", "block_number", "log_index"), expect_new=True)
    bulk.insert(conn, models.token_balances, ("chain_id", "token", "holder", "balance", "block_number"),
                done.balances, conflict=("chain_id", "token", "holder"), update={
        "balance": "t.balance + excluded.balance",
        "block_number": "greatest(t.block_number, excluded.block_number)",
    })


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
