"""Treasury projection: fee inflows (linked to the paying escrow), distributions per kind, splits,
carbon offsets. One row per event, so undoing a reorg is deleting rows above the ancestor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, delete

from indexer import bulk, models
from indexer.core.addresses import checksum
from indexer.decode import DecodedEvent

TABLES: tuple[Table, ...] = (models.treasury_inflows, models.treasury_distributions, models.treasury_splits,
                             models.carbon_offsets)


def escrow_from_ref(ref: str) -> str | None:
    """Escrows pay fees with ref = bytes32(uint256(uint160(escrow))): 12 zero bytes, then the address."""
    body = ref[2:]
    if len(body) == 64 and body[:24] == "0" * 24 and body[24:] != "0" * 40:
        return checksum("0x" + body[24:])
    return None


# One handler per Treasury event: the rows it adds, by table (one row per event; per split for SplitsUpdated).
TreasuryHandler = Callable[[DecodedEvent, dict[str, Any]], list[tuple[str, dict[str, Any]]]]


def on_fee_received(ev: DecodedEvent, base: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    a = ev.args
    return [("treasury_inflows", base | {
        "block_time": ev.block_time, "tx_hash": ev.tx_hash, "treasury": ev.address, "token": a["token"],
        "from_address": a["from"], "amount": int(a["amount"]), "ref": a["ref"], "escrow": escrow_from_ref(a["ref"]),
    })]


def on_distributed(ev: DecodedEvent, base: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    a = ev.args
    return [("treasury_distributions", base | {
        "block_time": ev.block_time, "tx_hash": ev.tx_hash, "treasury": ev.address, "token": a["token"],
        "to_address": a["to"], "amount": int(a["amount"]), "kind": a["kind"],
    })]


def on_splits_updated(ev: DecodedEvent, base: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [("treasury_splits", base | {
        "position": position, "treasury": ev.address, "to_address": split["to"], "bps": int(split["bps"]),
        "kind": split["kind"],
    }) for position, split in enumerate(ev.args["splits"])]


def on_offset_recorded(ev: DecodedEvent, base: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    a = ev.args
    return [("carbon_offsets", base | {
        "block_time": ev.block_time, "tx_hash": ev.tx_hash, "treasury": ev.address,
        "certificate_id": a["certificateId"], "grams_co2e": int(a["gramsCO2e"]), "uri": a["uri"],
        "recorded_by": a["recordedBy"],
    })]


HANDLERS: dict[str, TreasuryHandler] = {
    "FeeReceived": on_fee_received,
    "Distributed": on_distributed,
    "SplitsUpdated": on_splits_updated,
    "OffsetRecorded": on_offset_recorded,
}


def apply(conn: Connection, chain_id: int, events: Sequence[DecodedEvent]) -> None:
    out: dict[str, list[dict[str, Any]]] = {t.name: [] for t in TABLES}
    for ev in events:
        handler = HANDLERS.get(ev.event_name) if ev.contract == "Treasury" else None
        if handler is None:
            continue
        base = {"chain_id": chain_id, "block_number": ev.block_number, "log_index": ev.log_index}
        for table, row in handler(ev, base):
            out[table].append(row)
    for table in TABLES:
        bulk.insert_dicts(conn, table, out[table.name], conflict=[c.name for c in table.primary_key.columns])


def rollback(conn: Connection, chain_id: int, ancestor: int) -> None:
    for table in TABLES:
        conn.execute(delete(table).where(table.c.chain_id == chain_id, table.c.block_number > ancestor))


def clear(conn: Connection, chain_id: int) -> None:
    for table in TABLES:
        conn.execute(delete(table).where(table.c.chain_id == chain_id))
