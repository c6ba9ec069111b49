"""Treasury projection: fee inflows (linked to the paying escrow), distributions per kind, splits,
carbon offsets. One row per event, so undoing a reorg is deleting rows above the ancestor.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def apply(conn: Connection, chain_id: int, events: Sequence[DecodedEvent]) -> None:
    out: dict[str, list[dict[str, Any]]] = {t.name: [] for t in TABLES}
    for ev in events:
        if ev.contract != "Treasury":
            continue
        base = {"chain_id": chain_id, "block_number": ev.block_number, "log_index": ev.log_index}
        a = ev.args
        if ev.event_name == "FeeReceived":
            out["treasury_inflows"].append(base | {
                "block_time": ev.block_time, "tx_hash": ev.tx_hash, "treasury": ev.address, "token": a["token"],
                "from_address": a["from"], "amount": int(a["amount"]), "ref": a["ref"],
                "escrow": escrow_from_ref(a["ref"]),
            })
        elif ev.event_name == "Distributed":
            out["treasury_distributions"].append(base | {
                "block_time": ev.block_time, "tx_hash": ev.tx_hash, "treasury": ev.address, "token": a["token"],
                "to_address": a["to"], "amount": int(a["amount"]), "kind": a["kind"],
            })
        elif ev.event_name == "SplitsUpdated":
            for position, split in enumerate(a["splits"]):
                out["treasury_splits"].append(base | {
                    "position": position, "treasury": ev.address, "to_address": split["to"],
                    "bps": int(split["bps"]), "kind": split["kind"],
                })
        elif ev.event_name == "OffsetRecorded":
            out["carbon_offsets"].append(base | {
                "block_time": ev.block_time, "tx_hash": ev.tx_hash, "treasury": ev.address,
                "certificate_id": a["certificateId"], "grams_co2e": int(a["gramsCO2e"]), "uri": a["uri"],
                "recorded_by": a["recordedBy"],
            })
    for table in TABLES:
        bulk.insert_dicts(conn, table, out[table.name], conflict=[c.name for c in table.primary_key.columns])


def rollback(conn: Connection, chain_id: int, ancestor: int) -> None:
    for table in TABLES:
        conn.execute(delete(table).where(table.c.chain_id == chain_id, table.c.block_number > ancestor))


def clear(conn: Connection, chain_id: int) -> None:
    for table in TABLES:
        conn.execute(delete(table).where(table.c.chain_id == chain_id))
