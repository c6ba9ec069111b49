"""Rewards projection (MerkleDistributor): published epochs, claims and sweeps, one row per event.
Claim status of a leaf is "a ``reward_claims`` row exists", the same bit as the contract's ``isClaimed``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

from indexer import models
from indexer.decode import DecodedEvent
from indexer.projections.event_rows import RowHandler, apply_rows, clear_rows, rollback_rows

CONTRACT = "MerkleDistributor"
TABLES: tuple[Table, ...] = (models.reward_epochs, models.reward_claims, models.reward_sweeps)


def on_root_published(ev: DecodedEvent) -> tuple[Table, dict[str, Any]]:
    a = ev.args
    return models.reward_epochs, {"distributor": ev.address, "epoch": int(a["epoch"]), "root": a["root"],
                                  "total": int(a["total"]), "token": a["token"]}


def on_claimed(ev: DecodedEvent) -> tuple[Table, dict[str, Any]]:
    a = ev.args
    return models.reward_claims, {"distributor": ev.address, "epoch": int(a["epoch"]), "leaf_index": int(a["index"]),
                                  "account": a["account"], "amount": int(a["amount"])}


def on_swept(ev: DecodedEvent) -> tuple[Table, dict[str, Any]]:
    a = ev.args
    return models.reward_sweeps, {"distributor": ev.address, "epoch": int(a["epoch"]), "token": a["token"],
                                  "amount": int(a["amount"]), "treasury": a["treasury"]}


HANDLERS: dict[str, RowHandler] = {
    "RootPublished": on_root_published,
    "Claimed": on_claimed,
    "Swept": on_swept,
}


def apply(conn: Connection, chain_id: int, events: Sequence[DecodedEvent]) -> None:
    apply_rows(conn, chain_id, events, CONTRACT, HANDLERS, TABLES)


def rollback(conn: Connection, chain_id: int, ancestor: int) -> None:
    rollback_rows(conn, chain_id, ancestor, TABLES)


def clear(conn: Connection, chain_id: int) -> None:
    clear_rows(conn, chain_id, TABLES)
