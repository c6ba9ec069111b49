"""Native-coin balance snapshots: stored with the block hash they were read at, and settled once the
index reaches their block.

Deep in a backfill a batch's balances are read at the node's head (old state is pruned on most
nodes), i.e. at a block the index has not reached. The snapshot carries that block's hash; when a
batch covers the block, the snapshot is kept only if the batch's header there has the same hash
(else it belongs to an orphaned branch and is deleted). Snapshots at or below the cursor are removed
with everything else on a reorg; the read models serve only snapshots whose block is stored with
the same hash (``indexer.read_models.native_balance``).
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import insert

from indexer import models


def store(conn: Connection, chain_id: int, block: int, block_hash: str | None, balances: dict[str, int]) -> None:
    stmt = insert(models.native_balances)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["chain_id", "holder", "block_number"],
        set_={"balance": stmt.excluded.balance, "block_hash": stmt.excluded.block_hash},
    ), [{"chain_id": chain_id, "holder": holder, "block_number": block, "block_hash": block_hash, "balance": value}
        for holder, value in sorted(balances.items())])


def settle(conn: Connection, chain_id: int, start: int, end: int, hashes: dict[int, str]) -> set[int]:
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
