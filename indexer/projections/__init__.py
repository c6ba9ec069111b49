"""Projections: tables derived only from raw events, each rebuildable with ``lancer index rebuild``.

Each projection module exposes ``apply(conn, chain_id, events)`` (events of one batch, in chain
order, after the raw events of that batch were inserted in the same transaction),
``rollback(conn, chain_id, ancestor)`` (undo everything above block ``ancestor``; called while the
raw events above it still exist) and ``clear(conn, chain_id)``. A projection owns its tables: it
alone writes, rolls back and clears them (the engine rolls back only its own raw tables, after the
projections). Events are handled one function per event (``HANDLERS`` maps an event's name to it),
so searching an event's name finds the code that projects it. A projection may also expose
``prepare(chain_id, events)``: the part of ``apply`` that needs no database (folding, COPY encoding),
which the fetcher's pool runs ahead of the writer; ``apply`` then gets its result as ``prepared``.

A backfill batch holds about 10k events, so ``apply`` should be set-based: fold the batch in Python
and write each table once with ``indexer.bulk.insert`` (COPY + one ``INSERT ... ON CONFLICT``), not
a statement per event.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

from sqlalchemy import Connection, select, tuple_

from indexer import models
from indexer.decode import DecodedEvent
from indexer.projections import attestations, escrows, governance, rewards, staking, tokens, treasury

PROJECTIONS: tuple[ModuleType, ...] = (tokens, escrows, treasury, attestations, rewards, staking, governance)


def prepare_all(chain_id: int, events: Sequence[DecodedEvent]) -> dict[str, Any]:
    """What the projections that have a ``prepare`` make of a batch's events, by module name."""
    return {p.__name__: p.prepare(chain_id, events) for p in PROJECTIONS if hasattr(p, "prepare")}


def apply_all(conn: Connection, chain_id: int, events: Sequence[DecodedEvent],
              prepared: dict[str, Any] | None = None) -> None:
    """Apply every projection; ``prepared`` is ``prepare_all`` of these same events, if it ran."""
    for projection in PROJECTIONS:
        if prepared is not None and projection.__name__ in prepared:
            projection.apply(conn, chain_id, events, prepared=prepared[projection.__name__])
        else:
            projection.apply(conn, chain_id, events)


def rollback_all(conn: Connection, chain_id: int, ancestor: int) -> None:
    for projection in PROJECTIONS:
        projection.rollback(conn, chain_id, ancestor)


def rebuild(conn: Connection, chain_id: int, chunk: int = 20_000) -> int:
    """Clear and replay every projection of a chain from its raw events; returns events replayed."""
    for projection in PROJECTIONS:
        projection.clear(conn, chain_id)
    e = models.events
    after = (-1, -1)
    replayed = 0
    while True:
        rows = conn.execute(
            select(e).where(e.c.chain_id == chain_id, tuple_(e.c.block_number, e.c.log_index) > after)
            .order_by(e.c.block_number, e.c.log_index).limit(chunk)
        ).all()
        if not rows:
            return replayed
        batch = [DecodedEvent.from_row(r) for r in rows]
        apply_all(conn, chain_id, batch)
        replayed += len(batch)
        after = batch[-1].key
