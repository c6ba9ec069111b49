"""Escrow projection: one row per escrow and per milestone, mirroring the contract's state machine.

The state is a fold over the escrow's events (``EscrowCreated`` on the factory, then the clone's
own events). A batch loads the current rows of the escrows it touches, folds its events in and
upserts; a reorg deletes the touched escrows and folds their surviving events again.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, delete, select, text, tuple_

from indexer import bulk, models
from indexer.core.vocabulary import EscrowState, MilestoneStatus
from indexer.decode import DecodedEvent

FACTORY = "EscrowFactory"
ESCROW = "Escrow"

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


def _status(row: dict[str, Any], milestones: list[dict[str, Any]]) -> EscrowState:
    if row["completed"]:
        return EscrowState.COMPLETED
    if any(m["status"] == MilestoneStatus.DISPUTED for m in milestones):
        return EscrowState.DISPUTED
    if row["accepted"]:
        return EscrowState.ACTIVE
    if int(row["funded_amount"]):
        return EscrowState.FUNDED
    return EscrowState.CREATED


def _created(ev: DecodedEvent, config: _FactoryConfig, chain_id: int) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    """EscrowCreated (on the factory): the escrow's row and its pending milestones."""
    a = ev.args
    amounts = [int(x) for x in a["amounts"]]
    fee = config.at(ev.address, "FeeUpdated", ev.key)
    escrow = {
        "chain_id": chain_id, "address": a["escrow"], "factory": ev.address, "client": a["client"],
        "freelancer": a["freelancer"], "arbiter": a["arbiter"], "token": a["token"], "total": int(a["total"]),
        "milestone_count": len(amounts), "review_period": int(a["reviewPeriod"]),
        "metadata_hash": a["metadataHash"], "fee_bps": int(fee) if fee is not None else 0,
        "treasury": config.at(ev.address, "TreasuryUpdated", ev.key), "status": EscrowState.CREATED.value,
        "funded_amount": 0, "released": 0, "refunded": 0, "fees": 0, "accepted": False, "completed": False,
        "completed_at": None, "created_block": ev.block_number, "created_tx": ev.tx_hash,
        "created_at": ev.block_time, "block_number": ev.block_number,
    }
    milestones = {i: {"chain_id": chain_id, "escrow": a["escrow"], "index": i, "amount": amount,
                      "status": MilestoneStatus.PENDING, "submitted_at": None, "deliverable_hash": None,
                      "to_freelancer": 0, "to_client": 0, "fee": 0, "disputed_by": None, "closed_at": None,
                      "block_number": ev.block_number} for i, amount in enumerate(amounts)}
    return escrow, milestones


# One handler per event of the Escrow clone: (escrow row, its milestone or None, event) -> None.
EscrowHandler = Callable[[dict[str, Any], dict[str, Any] | None, DecodedEvent], None]


def on_funded(escrow: dict[str, Any], m: dict[str, Any] | None, ev: DecodedEvent) -> None:
    escrow["funded_amount"] = int(ev.args["amount"])


def on_accepted(escrow: dict[str, Any], m: dict[str, Any] | None, ev: DecodedEvent) -> None:
    escrow["accepted"] = True


def on_completed(escrow: dict[str, Any], m: dict[str, Any] | None, ev: DecodedEvent) -> None:
    escrow["completed"] = True
    escrow["completed_at"] = ev.block_time


def on_milestone_submitted(escrow: dict[str, Any], m: dict[str, Any] | None, ev: DecodedEvent) -> None:
    if m is not None:
        m.update(status=MilestoneStatus.SUBMITTED, submitted_at=ev.block_time,
                 deliverable_hash=ev.args["deliverableHash"])


def on_milestone_released(escrow: dict[str, Any], m: dict[str, Any] | None, ev: DecodedEvent) -> None:
    if m is None:
        return
    a = ev.args
    m.update(status=MilestoneStatus.RELEASED, to_freelancer=int(a["toFreelancer"]), fee=int(a["fee"]),
             closed_at=ev.block_time)
    escrow["released"] = int(escrow["released"]) + int(a["toFreelancer"])
    escrow["fees"] = int(escrow["fees"]) + int(a["fee"])


def on_dispute_opened(escrow: dict[str, Any], m: dict[str, Any] | None, ev: DecodedEvent) -> None:
    if m is not None:
        m.update(status=MilestoneStatus.DISPUTED, disputed_by=ev.args["by"])


def on_dispute_resolved(escrow: dict[str, Any], m: dict[str, Any] | None, ev: DecodedEvent) -> None:
    if m is None:
        return
    a = ev.args
    m.update(status=MilestoneStatus.RESOLVED, to_freelancer=int(a["toFreelancer"]), to_client=int(a["toClient"]),
             fee=int(a["fee"]), closed_at=ev.block_time)
    escrow["released"] = int(escrow["released"]) + int(a["toFreelancer"])
    escrow["refunded"] = int(escrow["refunded"]) + int(a["toClient"])
    escrow["fees"] = int(escrow["fees"]) + int(a["fee"])


def on_milestone_refunded(escrow: dict[str, Any], m: dict[str, Any] | None, ev: DecodedEvent) -> None:
    if m is None:
        return
    m.update(status=MilestoneStatus.REFUNDED, to_client=int(ev.args["amount"]), closed_at=ev.block_time)
    escrow["refunded"] = int(escrow["refunded"]) + int(ev.args["amount"])


HANDLERS: dict[str, EscrowHandler] = {
    "Funded": on_funded,
    "Accepted": on_accepted,
    "Completed": on_completed,
    "MilestoneSubmitted": on_milestone_submitted,
    "MilestoneReleased": on_milestone_released,
    "DisputeOpened": on_dispute_opened,
    "DisputeResolved": on_dispute_resolved,
    "MilestoneRefunded": on_milestone_refunded,
}


def _fold(escrow: dict[str, Any] | None, ms: dict[int, dict[str, Any]], ev: DecodedEvent,
          config: _FactoryConfig, chain_id: int) -> dict[str, Any] | None:
    if ev.event_name == "EscrowCreated":
        escrow, created = _created(ev, config, chain_id)
        ms.clear()
        ms.update(created)
        return escrow
    if escrow is None:
        return None  # an event of a clone whose creation we never saw: nothing to mirror it onto
    escrow["block_number"] = ev.block_number
    m = ms.get(int(ev.args["index"])) if "index" in ev.args else None
    if m is not None:
        m["block_number"] = ev.block_number
    handler = HANDLERS.get(ev.event_name)
    if handler is not None:
        handler(escrow, m, ev)
    return escrow


def apply(conn: Connection, chain_id: int, events: Sequence[DecodedEvent]) -> None:
    mine = [(addr, ev) for ev in events if (addr := _escrow_of(ev)) is not None]
    if not mine:
        return
    touched = sorted({addr for addr, _ in mine})
    e, m = models.escrows, models.escrow_milestones
    state: dict[str, dict[str, Any] | None] = {addr: None for addr in touched}
    milestones: dict[str, dict[int, dict[str, Any]]] = {addr: {} for addr in touched}
    # An escrow created in this batch folds from its EscrowCreated (which sets the row and milestones
    # afresh), so only the escrows created before it are read back: in a backfill most escrows a batch
    # touches are created in it.
    first: dict[str, str] = {}
    for addr, ev in mine:
        first.setdefault(addr, ev.event_name)
    stored = [addr for addr in touched if first[addr] != "EscrowCreated"]
    if stored:
        for row in conn.execute(select(e).where(e.c.chain_id == chain_id, e.c.address.in_(stored))).mappings():
            state[row["address"]] = dict(row)
        for row in conn.execute(select(m).where(m.c.chain_id == chain_id, m.c.escrow.in_(stored))).mappings():
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
        row["status"] = _status(row, list(milestones[addr].values())).value
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
    ev = models.events
    rows = conn.execute(
        select(ev).where(
            ev.c.chain_id == chain_id, ev.c.block_number <= ancestor,
            ((ev.c.contract == ESCROW) & ev.c.address.in_(touched))
            | ((ev.c.event_name == "EscrowCreated") & ev.c.args["escrow"].astext.in_(touched)),
        ).order_by(tuple_(ev.c.block_number, ev.c.log_index))
    ).all()
    apply(conn, chain_id, [DecodedEvent.from_row(r) for r in rows])


def clear(conn: Connection, chain_id: int) -> None:
    conn.execute(delete(models.escrow_milestones).where(models.escrow_milestones.c.chain_id == chain_id))
    conn.execute(delete(models.escrows).where(models.escrows.c.chain_id == chain_id))
