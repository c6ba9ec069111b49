"""Read models of the chains themselves: cursor, head, confirmations, reorg counters, and the index
version that caches key on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text

from indexer.read_models.base import _Model


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
