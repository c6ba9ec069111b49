"""Governance projection (LancerToken's ERC20Votes): delegations and vote checkpoints, one row per event.
A delegate's votes at block B are the ``new_votes`` of its last checkpoint at or below B, which is what
the token's ``getPastVotes(delegate, B)`` answers (``indexer.read_models.governance``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

from indexer import models
from indexer.decode import DecodedEvent
from indexer.projections.event_rows import RowHandler, apply_rows, clear_rows, rollback_rows

CONTRACT = "LancerToken"
TABLES: tuple[Table, ...] = (models.vote_delegations, models.vote_checkpoints)


def on_delegate_changed(ev: DecodedEvent) -> tuple[Table, dict[str, Any]]:
    a = ev.args
    return models.vote_delegations, {"token": ev.address, "delegator": a["delegator"],
                                     "from_delegate": a["fromDelegate"], "to_delegate": a["toDelegate"]}


def on_delegate_votes_changed(ev: DecodedEvent) -> tuple[Table, dict[str, Any]]:
    a = ev.args
    return models.vote_checkpoints, {"token": ev.address, "delegate": a["delegate"],
                                     "previous_votes": int(a["previousVotes"]), "new_votes": int(a["newVotes"])}


HANDLERS: dict[str, RowHandler] = {
    "DelegateChanged": on_delegate_changed,
    "DelegateVotesChanged": on_delegate_votes_changed,
}


def apply(conn: Connection, chain_id: int, events: Sequence[DecodedEvent]) -> None:
    apply_rows(conn, chain_id, events, CONTRACT, HANDLERS, TABLES)


def rollback(conn: Connection, chain_id: int, ancestor: int) -> None:
    rollback_rows(conn, chain_id, ancestor, TABLES)


def clear(conn: Connection, chain_id: int) -> None:
    clear_rows(conn, chain_id, TABLES)
