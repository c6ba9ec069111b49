"""Escrow projection: one row per escrow and per milestone, mirroring the contract's state machine.

The state is a fold over the escrow's events (``EscrowCreated`` on the factory, then the clone's
own events). A batch loads the current rows of the escrows it touches, folds its events in and
upserts; a reorg deletes the touched escrows and folds their surviving events again.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, delete, select, text, tuple_

from indexer import bulk, models
from indexer.decode import DecodedEvent

FACTORY = "EscrowFactory"
ESCROW = "Escrow"

PENDING, SUBMITTED, RELEASED, DISPUTED, RESOLVED, REFUNDED = range(6)
STATUS_NAMES = ("pending", "submitted", "released", "disputed", "resolved", "refunded")


def _escrow_of(ev: DecodedEvent) -> str | None:
    if ev.contract == FACTORY and ev.event_name == "EscrowCreated":
        return str(ev.args["escrow"])
    if ev.contract == ESCROW:
        return ev.address
    return None


class _FactoryConfig:
    """Fee and treasury of each factory as of any event position, from FeeUpdated / TreasuryUpdated."""

    def __init__(self, conn: Connection, chain_id: int, created: Sequence[DecodedEvent]) -> None:
        self._history: dict[tuple[str, str], tuple[list[tuple[int, int]], list[Any]]] = {}
        if not created:
            return  # only EscrowCreated reads the configuration
        e = models.events
        # By factory address (indexed), not by contract name: a chain's events table is large.
        rows = conn.execute(
            select(e.c.address, e.c.block_number, e.c.log_index, e.c.event_name, e.c.args)
            .where(e.c.chain_id == chain_id, e.c.address.in_(sorted({ev.address for ev in created})),
                   e.c.contract == FACTORY, e.c.event_name.in_(("FeeUpdated", "TreasuryUpdated")),
                   e.c.block_number <= max(ev.block_number for ev in created))
            .order_by(e.c.block_number, e.c.log_index)
        ).all()
        for r in rows:
            keys, values = self._history.setdefault((r.address, r.event_name), ([], []))
            keys.append((r.block_number, r.log_index))
            values.append(r.args["newBps"] if r.event_name == "FeeUpdated" else r.args["newTreasury"])

    def at(self, factory: str, event: str, position: tuple[int, int]) -> Any:
        keys, values = self._history.get((factory, event), ([], []))
        i = bisect.bisect_left(keys, position)
        return values[i - 1] if i else None


def _status(row: dict[str, Any], milestones: list[dict[str, Any]]) -> str:
    if row["completed"]:
        return "completed"
    if any(m["status"] == DISPUTED for m in milestones):
        return "disputed"
    if row["accepted"]:
        return "active"
    if int(row["funded_amount"]):
        return "funded"
    return "created"


def _fold(escrow: dict[str, Any] | None, ms: dict[int, dict[str, Any]], ev: DecodedEvent,
          config: _FactoryConfig, chain_id: int) -> dict[str, Any] | None:
    a = ev.args
    if ev.event_name == "EscrowCreated":
        amounts = [int(x) for x in a["amounts"]]
        fee = config.at(ev.address, "FeeUpdated", ev.key)
        escrow = {
            "chain_id": chain_id, "address": a["escrow"], "factory": ev.address, "client": a["client"],
            "freelancer": a["freelancer"], "arbiter": a["arbiter"], "token": a["token"], "total": int(a["total"]),
            "milestone_count": len(amounts), "review_period": int(a["reviewPeriod"]),
            "metadata_hash": a["metadataHash"], "fee_bps": int(fee) if fee is not None else 0,
            "treasury": config.at(ev.address, "TreasuryUpdated", ev.key), "status": "created",
            "funded_amount": 0, "released": 0, "refunded": 0, "fees": 0, "accepted": False, "completed": False,
            "created_block": ev.block_number, "created_tx": ev.tx_hash, "created_at": ev.block_time,
            "block_number": ev.block_number,
        }
        ms.clear()
        for i, amount in enumerate(amounts):
            ms[i] = {"chain_id": chain_id, "escrow": a["escrow"], "index": i, "amount": amount, "status": PENDING,
                     "submitted_at": None, "deliverable_hash": None, "to_freelancer": 0, "to_client": 0, "fee": 0,
                     "disputed_by": None, "block_number": ev.block_number}
        return escrow
    if escrow is None:
        return None  # an event of a clone whose creation we never saw: nothing to mirror it onto
    escrow["block_number"] = ev.block_number
    m = ms.get(int(a["index"])) if "index" in a else None
    if m is not None:
        m["block_number"] = ev.block_number
    name = ev.event_name
    if name == "Funded":
        escrow["funded_amount"] = int(a["amount"])
    elif name == "Accepted":
        escrow["accepted"] = True
    elif name == "Completed":
        escrow["completed"] = True
    elif m is None:
        return escrow
    elif name == "MilestoneSubmitted":
        m.update(status=SUBMITTED, submitted_at=ev.block_time, deliverable_hash=a["deliverableHash"])
    elif name == "MilestoneReleased":
        m.update(status=RELEASED, to_freelancer=int(a["toFreelancer"]), fee=int(a["fee"]))
        escrow["released"] = int(escrow["released"]) + int(a["toFreelancer"])
        escrow["fees"] = int(escrow["fees"]) + int(a["fee"])
    elif name == "DisputeOpened":
        m.update(status=DISPUTED, disputed_by=a["by"])
    elif name == "DisputeResolved":
        m.update(status=RESOLVED, to_freelancer=int(a["toFreelancer"]), to_client=int(a["toClient"]),
                 fee=int(a["fee"]))
        escrow["released"] = int(escrow["released"]) + int(a["toFreelancer"])
        escrow["refunded"] = int(escrow["refunded"]) + int(a["toClient"])
        escrow["fees"] = int(escrow["fees"]) + int(a["fee"])
    elif name == "MilestoneRefunded":
        m.update(status=REFUNDED, to_client=int(a["amount"]))
        escrow["refunded"] = int(escrow["refunded"]) + int(a["amount"])
    return escrow


def apply(conn: Connection, chain_id: int, events: Sequence[DecodedEvent]) -> None:
    mine = [(addr, ev) for ev in events if (addr := _escrow_of(ev)) is not None]
    if not mine:
        return
    touched = sorted({addr for addr, _ in mine})
    e, m = models.escrows, models.escrow_milestones
    state: dict[str, dict[str, Any] | None] = {addr: None for addr in touched}
    milestones: dict[str, dict[int, dict[str, Any]]] = {addr: {} for addr in touched}
    for row in conn.execute(select(e).where(e.c.chain_id == chain_id, e.c.address.in_(touched))).mappings():
        state[row["address"]] = dict(row)
    for row in conn.execute(select(m).where(m.c.chain_id == chain_id, m.c.escrow.in_(touched))).mappings():
        milestones[row["escrow"]][row["index"]] = dict(row)
    config = _FactoryConfig(conn, chain_id, [ev for _, ev in mine if ev.contract == FACTORY])
    for addr, ev in mine:
        state[addr] = _fold(state[addr], milestones[addr], ev, config, chain_id)
    rows = []
    ms_rows = []
    for addr in touched:
        row = state[addr]
        if row is None:
            continue
        row["status"] = _status(row, list(milestones[addr].values()))
        rows.append(row)
        ms_rows.extend(milestones[addr].values())
    # One upsert per table for the whole batch: the final state of each touched escrow and milestone.
    _upsert(conn, e, rows, ("chain_id", "address"))
    _upsert(conn, m, ms_rows, ("chain_id", "escrow", "index"))


def _upsert(conn: Connection, table: Table, rows: list[dict[str, Any]], key: tuple[str, ...]) -> None:
    columns = [c.name for c in table.columns]
    bulk.insert(conn, table, columns, [tuple(r[c] for c in columns) for r in rows], conflict=key,
                update=[c for c in columns if c not in key])


def rollback(conn: Connection, chain_id: int, ancestor: int) -> None:
    touched = list(conn.execute(text("""
        SELECT address FROM events WHERE chain_id = :c AND block_number > :n AND contract = 'Escrow'
        UNION SELECT args->>'escrow' FROM events
         WHERE chain_id = :c AND block_number > :n AND contract = 'EscrowFactory' AND event_name = 'EscrowCreated'
    """), {"c": chain_id, "n": ancestor}).scalars())
    if not touched:
        return
    e, m = models.escrows, models.escrow_milestones
    conn.execute(delete(m).where(m.c.chain_id == chain_id, m.c.escrow.in_(touched)))
    conn.execute(delete(e).where(e.c.chain_id == chain_id, e.c.address.in_(touched)))
    from indexer.projections import event_from_row  # late: the package imports this module

    ev = models.events
    rows = conn.execute(
        select(ev).where(
            ev.c.chain_id == chain_id, ev.c.block_number <= ancestor,
            ((ev.c.contract == ESCROW) & ev.c.address.in_(touched))
            | ((ev.c.event_name == "EscrowCreated") & ev.c.args["escrow"].astext.in_(touched)),
        ).order_by(tuple_(ev.c.block_number, ev.c.log_index))
    ).all()
    apply(conn, chain_id, [event_from_row(r) for r in rows])


def clear(conn: Connection, chain_id: int) -> None:
    conn.execute(delete(models.escrow_milestones).where(models.escrow_milestones.c.chain_id == chain_id))
    conn.execute(delete(models.escrows).where(models.escrows.c.chain_id == chain_id))
