"""The values the sync engine passes around: the node's tip, scanned chunks, complete batches, the
cursor, options and statistics. Headers and receipts are ``indexer.rpc.eth`` types."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from indexer.decode import DecodedEvent
from indexer.rpc.eth import Header

__all__ = ["Batch", "Chunk", "Cursor", "Header", "Idle", "SyncOptions", "SyncStats", "Tip"]


@dataclass(slots=True)
class Tip:
    head: int
    head_hash: str
    safe: int | None = None
    finalized: int | None = None


@dataclass(slots=True)
class Batch:
    start: int
    end: int
    headers: dict[int, Header]
    events: list[DecodedEvent]
    # The raw rows, COPY-encoded off the writer's thread (sync.store): the writer only ships them.
    event_rows: bytes  # in EVENT_COLUMNS order
    transaction_rows: bytes  # in TRANSACTION_COLUMNS order
    tip: Tip
    native_balances: dict[str, int] = field(default_factory=dict)
    native_block: int = 0  # the block the native balances are as of
    native_hash: str | None = None  # ... and its hash (the balances were read by that hash)
    stored: list[Header] = field(default_factory=list)  # the headers kept in ``blocks``
    # Deep in a backfill: the batch's parties, whose native balances are read later, at the head.
    pending_natives: list[str] = field(default_factory=list)
    # The projections' work that needs no database, done off the writer's thread (projections.prepare_all).
    prepared: dict[str, Any] | None = None
    # Holders that earlier batches of this pipeline marked pending and whose native balance this
    # batch carries (read at its end block): the writer drops their marks in the batch's transaction.
    settles: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Idle:
    """The fetcher reached the head; carries the head's hash so a same-height reorg is still seen."""

    tip: Tip


@dataclass(slots=True)
class Chunk:
    """A scanned part of a range, cut at a block boundary: its events, and the block hash every log
    of it names (checked against the headers when the chunk is completed into a ``Batch``)."""

    start: int
    end: int
    events: list[DecodedEvent]
    log_hashes: list[tuple[int, str]]
    tip: Tip
    # The range was pinned to this (block number, hash) before its logs were read: the chunk is one
    # canonical chain's only while that block stays canonical (checked after its headers are read).
    pin: tuple[int, str] = (0, "")
    children: frozenset[str] = frozenset()  # children followed when the range was read


@dataclass
class SyncOptions:
    initial_range: int = 200
    max_range: int = 5000
    pipeline_depth: int = 4  # batches read ahead of the writer (queued or being completed)
    poll_interval: float | None = None  # default: half the chain's block time
    receipt_batch: int = 100
    # A range's events are cut into batches of about this many (at block boundaries), so a dense
    # range becomes several transactions that the pipeline overlaps with reading the next ones.
    batch_events: int = 10_000
    # Ranges shrink towards this many logs per eth_getLogs (dense chains), and a fetcher's first
    # range is at most probe_range blocks: the density is unknown until one range was read. About
    # one batch: a range is scanned whole before any of its chunks is completed, so a range of 40k
    # logs kept the completion pool, then the writer, waiting while it was read and decoded (escrow
    # bench: the backfill 12% faster, peak RSS ~80 MB lower, than with 40k).
    range_events: int = 10_000
    probe_range: int = 100
    # Threads completing chunks (headers, receipts) in parallel, ahead of the writer.
    fetch_workers: int = 3


@dataclass
class Cursor:
    number: int
    hash: str | None


@dataclass
class SyncStats:
    batches: int = 0
    blocks: int = 0
    events: int = 0
    reorgs: int = 0
    started: float = field(default_factory=time.monotonic)
