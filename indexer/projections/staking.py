"""Staking projection (LancerStaking): every stake, unstake request, withdrawal and reward payment as a
row of ``staking_events`` (``kind``), and every funding. An account's position is a sum over its rows
(``indexer.read_models.staking``), so a reorg only deletes rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

from indexer import models
from indexer.decode import DecodedEvent
from indexer.projections.event_rows import RowHandler, apply_rows, clear_rows, rollback_rows

CONTRACT = "LancerStaking"
TABLES: tuple[Table, ...] = (models.staking_events, models.staking_fundings)


def _movement(ev: DecodedEvent, kind: str, unlock_at: int | None = None) -> tuple[Table, dict[str, Any]]:
    return models.staking_events, {"staking": ev.address, "account": ev.args["account"], "kind": kind,
                                   "amount": int(ev.args["amount"]), "unlock_at": unlock_at}


def on_staked(ev: DecodedEvent) -> tuple[Table, dict[str, Any]]:
    return _movement(ev, "staked")


def on_unstake_requested(ev: DecodedEvent) -> tuple[Table, dict[str, Any]]:
    return _movement(ev, "unstake_requested", int(ev.args["unlockAt"]))


def on_withdrawn(ev: DecodedEvent) -> tuple[Table, dict[str, Any]]:
    return _movement(ev, "withdrawn")


def on_reward_paid(ev: DecodedEvent) -> tuple[Table, dict[str, Any]]:
    return _movement(ev, "reward_paid")


def on_reward_funded(ev: DecodedEvent) -> tuple[Table, dict[str, Any]]:
    a = ev.args
    return models.staking_fundings, {"staking": ev.address, "funder": a["funder"], "amount": int(a["amount"]),
                                     "duration": int(a["duration"]), "reward_rate_scaled": int(a["rewardRateScaled"]),
                                     "period_finish": int(a["periodFinish"])}


HANDLERS: dict[str, RowHandler] = {
    "Staked": on_staked,
    "UnstakeRequested": on_unstake_requested,
    "Withdrawn": on_withdrawn,
    "RewardPaid": on_reward_paid,
    "RewardFunded": on_reward_funded,
}


def apply(conn: Connection, chain_id: int, events: Sequence[DecodedEvent]) -> None:
    apply_rows(conn, chain_id, events, CONTRACT, HANDLERS, TABLES)


def rollback(conn: Connection, chain_id: int, ancestor: int) -> None:
    rollback_rows(conn, chain_id, ancestor, TABLES)


def clear(conn: Connection, chain_id: int) -> None:
    clear_rows(conn, chain_id, TABLES)
