"""Shared by the projections that store one row per event (rewards, staking, governance): fold a batch
through one handler per event into rows per table, write each table once, and undo a reorg by deleting
the rows above the ancestor. Each projection module keeps its own handlers and tables."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, delete

from indexer import bulk
from indexer.decode import DecodedEvent

# One handler per event: the table its row goes to, and the row's own columns.
RowHandler = Callable[[DecodedEvent], tuple[Table, dict[str, Any]]]


def apply_rows(conn: Connection, chain_id: int, events: Sequence[DecodedEvent], contract: str,
               handlers: Mapping[str, RowHandler], tables: Sequence[Table]) -> None:
    out: dict[str, list[dict[str, Any]]] = {t.name: [] for t in tables}
    for ev in events:
        handler = handlers.get(ev.event_name) if ev.contract == contract else None
        if handler is None:
            continue
        table, row = handler(ev)
        out[table.name].append({"chain_id": chain_id, "block_number": ev.block_number, "log_index": ev.log_index,
                                "block_time": ev.block_time, "tx_hash": ev.tx_hash} | row)
    for table in tables:
        bulk.insert_dicts(conn, table, out[table.name], conflict=("chain_id", "block_number", "log_index"))


def rollback_rows(conn: Connection, chain_id: int, ancestor: int, tables: Sequence[Table]) -> None:
    for table in tables:
        conn.execute(delete(table).where(table.c.chain_id == chain_id, table.c.block_number > ancestor))


def clear_rows(conn: Connection, chain_id: int, tables: Sequence[Table]) -> None:
    for table in tables:
        conn.execute(delete(table).where(table.c.chain_id == chain_id))
