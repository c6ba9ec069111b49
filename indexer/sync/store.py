"""What the engine itself writes: headers, raw events, transactions and native-balance snapshots
(COPY-encoded off the writer's thread), and their rollback above a reorg's ancestor. Projections
write and roll back their own tables (``indexer.projections``).

Native-coin snapshots are stored with the block hash they were read at. Near the head a batch's are
read at its last block. Deep in a backfill (old state is pruned on most nodes) a batch's parties are
only marked pending, and snapshotted all at once when the index reaches the head. Snapshots taken
above the cursor (as older versions did) are settled once the index reaches their block: kept only
if the batch's header there has the same hash (else they belong to an orphaned branch and are
deleted). The read models serve only snapshots whose block is stored with the same hash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, delete, text

from indexer import bulk, models
from indexer.decode import DecodedEvent
from indexer.rpc.eth import Header

BLOCK_COLUMNS = ("chain_id", "number", "hash", "parent_hash", "timestamp")
EVENT_COLUMNS = ("chain_id", "block_number", "block_hash", "block_time", "tx_hash", "tx_index", "log_index",
                 "address", "contract", "event_name", "args")
TRANSACTION_COLUMNS = ("chain_id", "tx_hash", "block_number", "block_hash", "tx_index", "from_address", "to_address",
                       "gas_used", "effective_gas_price", "fee_wei", "status")
# The engine's own tables whose rows carry (chain_id, block_number); ``blocks`` is keyed by ``number``.
RAW_TABLES = (models.events, models.transactions, models.native_balances)


# The two biggest tables get a hand-rolled COPY encoding (one f-string per row, in EVENT_COLUMNS /
# TRANSACTION_COLUMNS order): the generic bulk.encode costs a function call per value.

def event_rows(events: list[DecodedEvent]) -> bytes:
    # msgspec: ~4x json's speed; the same JSON text for the args' types (str, bool, None, lists),
    # control characters escaped, non-ASCII left as UTF-8 (the COPY stream's encoding).
    dumps = msgspec.json.Encoder().encode
    text = bulk.CopyTexts()
    times: dict[datetime, str] = {}
    lines = []
    for ev in events:
        when = times.get(ev.block_time) or times.setdefault(ev.block_time, ev.block_time.isoformat())
        # json escapes every control character, so a backslash is the only COPY-special one left.
        args = dumps(ev.args).decode().replace("\\", "\\\\")
        lines.append(f"{ev.chain_id:d}\t{ev.block_number:d}\t{text[ev.block_hash]}\t{when}\t{text[ev.tx_hash]}\t"
                     f"{ev.tx_index:d}\t{ev.log_index:d}\t{text[ev.address]}\t{text[ev.contract]}\t"
                     f"{text[ev.event_name]}\t{args}\n")
    return "".join(lines).encode()


def transaction_rows(rows: list[tuple[Any, ...]]) -> bytes:
    text = bulk.copy_text
    return "".join(
        f"{chain_id:d}\t{text(tx_hash)}\t{number:d}\t{text(block_hash)}\t{index:d}\t{text(sender)}\t"
        f"{text(to) if to is not None else bulk.NULL}\t{gas:d}\t{price:d}\t{fee:d}\t{status:d}\n"
        for chain_id, tx_hash, number, block_hash, index, sender, to, gas, price, fee, status in rows
    ).encode()


def prepare(conn: Connection) -> None:
    """Every table a batch writes gets its session staging table once, not once per batch."""
    bulk.prepare(conn, [t for t in models.metadata.sorted_tables if t is not models.chains])


def insert_blocks(conn: Connection, chain_id: int, headers: list[Header]) -> None:
    bulk.insert(conn, models.blocks, BLOCK_COLUMNS,
                [(chain_id, h.number, h.hash, h.parent_hash, h.time) for h in headers],
                conflict=("chain_id", "number"), update=("hash", "parent_hash", "timestamp"))


def insert_raw(conn: Connection, event_data: bytes, transaction_data: bytes) -> None:
    # A batch is written above the cursor, where no row of the chain can be (a reorg's rollback
    # deletes everything above its ancestor in the transaction that moves the cursor back): the
    # rows go straight in, and the conflict-skipping path runs only if one was there after all.
    bulk.insert(conn, models.events, EVENT_COLUMNS, event_data,
                conflict=("chain_id", "block_number", "log_index"), order_by="block_number, log_index",
                expect_new=True)
    bulk.insert(conn, models.transactions, TRANSACTION_COLUMNS, transaction_data, conflict=("chain_id", "tx_hash"),
                expect_new=True)


def insert_native_balances(conn: Connection, chain_id: int, block: int, block_hash: str | None,
                           balances: dict[str, int]) -> None:
    if not balances:
        return
    bulk.insert(conn, models.native_balances, ("chain_id", "holder", "block_number", "block_hash", "balance"),
                [(chain_id, holder, block, block_hash, value) for holder, value in sorted(balances.items())],
                conflict=("chain_id", "holder", "block_number"), update=("balance", "block_hash"))


# Holders whose native balance is still to be read (their activity was indexed deep in a backfill)
# are marked by a row at this block number: no block has it, so the read models (which serve only
# snapshots of stored blocks) never serve it, a reorg's rollback (rows above the ancestor) keeps it,
# and it is written in the batch's own transaction, so a killed worker loses none.
PENDING_BLOCK = -1


def add_pending_natives(conn: Connection, chain_id: int, holders: list[str]) -> None:
    bulk.insert(conn, models.native_balances, ("chain_id", "holder", "block_number", "block_hash", "balance"),
                [(chain_id, h, PENDING_BLOCK, None, 0) for h in holders],
                conflict=("chain_id", "holder", "block_number"))


def pending_natives(conn: Connection, chain_id: int, limit: int) -> list[str]:
    return list(conn.execute(text("""
        SELECT holder FROM native_balances WHERE chain_id = :c AND block_number = :p ORDER BY holder LIMIT :n"""),
        {"c": chain_id, "p": PENDING_BLOCK, "n": limit}).scalars())


def drop_pending_natives(conn: Connection, chain_id: int, holders: list[str]) -> None:
    conn.execute(text("DELETE FROM native_balances WHERE chain_id = :c AND block_number = :p AND holder = ANY(:h)"),
                 {"c": chain_id, "p": PENDING_BLOCK, "h": holders})


def settle_native_balances(conn: Connection, chain_id: int, start: int, end: int, hashes: dict[int, str]) -> set[int]:
    """Snapshots in blocks ``start..end`` (whose canonical hashes are ``hashes``): deletes those of
    other hashes, returns the block numbers of those kept."""
    found = conn.execute(text("""
        SELECT DISTINCT block_number, block_hash FROM native_balances
         WHERE chain_id = :c AND block_number BETWEEN :s AND :e"""), {"c": chain_id, "s": start, "e": end}).all()
    orphaned = [(r.block_number, r.block_hash) for r in found if hashes.get(r.block_number) != r.block_hash]
    for number, block_hash in orphaned:
        conn.execute(text("""
            DELETE FROM native_balances WHERE chain_id = :c AND block_number = :n
               AND block_hash IS NOT DISTINCT FROM :h"""), {"c": chain_id, "n": number, "h": block_hash})
    return {r.block_number for r in found} - {n for n, _ in orphaned}


def delete_above(conn: Connection, chain_id: int, ancestor: int) -> None:
    """The engine's rows above ``ancestor`` (after the projections rolled back theirs)."""
    for table in RAW_TABLES:
        conn.execute(delete(table).where(table.c.chain_id == chain_id, table.c.block_number > ancestor))
    conn.execute(delete(models.blocks).where(models.blocks.c.chain_id == chain_id, models.blocks.c.number > ancestor))
