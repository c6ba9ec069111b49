"""Rows of the indexer's ``chains`` table written directly, for tests of what reads them (rollups' marks,
reorg checks) without running an indexer."""

from __future__ import annotations

from sqlalchemy import Connection, text


def set_chain(conn: Connection, chain: int, *, name: str, indexed: int, confirmed: int, reorgs: int = 0,
              depth: int = 0) -> None:
    """Insert or move chain ``chain``: cursor and head at ``indexed``, confirmed block, reorg count and depth."""
    conn.execute(text("""
        INSERT INTO chains (chain_id, name, block_number, block_hash, start_block, head_block, confirmed_block,
                            reorg_count, max_reorg_depth, updated_at)
        VALUES (:c, :n, :b, :h, 0, :b, :f, :r, :d, now())
        ON CONFLICT (chain_id) DO UPDATE SET block_number = :b, head_block = :b, confirmed_block = :f,
                                             reorg_count = :r, max_reorg_depth = :d, updated_at = now()"""),
                 {"c": chain, "n": name, "b": indexed, "h": "0x" + f"{indexed:064x}", "f": confirmed,
                  "r": reorgs, "d": depth})
