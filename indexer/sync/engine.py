"""The writer of one chain: the cursor, one database transaction per batch (raw events,
transactions, projections, cursor), and reorgs.

The writer is the only one that decides what is true: it checks every batch's parent hash against
the cursor, and on a mismatch stops the fetcher, walks back to the common ancestor, rolls back in
one transaction (each projection its own tables, then the engine's raw tables) and restarts the
fetcher there.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import Connection, select, text, update
from sqlalchemy.dialects.postgresql import insert

from indexer import metrics, models
from indexer.core import telemetry
from indexer.core.registry import ChainConfig
from indexer.projections import apply_all, rollback_all
from indexer.rpc import eth
from indexer.rpc.client import RpcClient
from indexer.rpc.errors import RpcError
from indexer.sources.spec import ContractSet
from indexer.sync import store
from indexer.sync.pipeline import Fetcher
from indexer.sync.reader import ChainReader
from indexer.sync.types import Batch, Cursor, Header, Idle, SyncOptions, SyncStats, Tip

log = structlog.get_logger(__name__)


class ChainSyncer:
    """Indexes one chain into PostgreSQL through ``conn`` (a connection that holds the chain's lock)."""

    MARKED_CACHE = 200_000  # holders remembered as marked pending (~20 MB at most)

    def __init__(self, chain: ChainConfig, contract_set: ContractSet, conn: Connection, rpc: RpcClient,
                 options: SyncOptions | None = None, stop: threading.Event | None = None,
                 on_progress: Callable[[ChainSyncer, Batch | Idle], None] | None = None) -> None:
        self.chain = chain
        self.chain_id = chain.chain_id
        self.contract_set = contract_set
        self.conn = conn
        self.rpc = rpc
        self.options = options or SyncOptions()
        self.reader = ChainReader(chain, contract_set, rpc, self.options)
        self.stop = stop or threading.Event()
        self.on_progress = on_progress
        self.stats = SyncStats()
        self.cursor = Cursor(-1, None)
        self.tip: Tip | None = None
        self._range = self.options.initial_range
        self._fetcher: Fetcher | None = None
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=self.options.pipeline_depth)
        self._natives_pending = True  # unknown until looked up: a killed worker may have left some
        self._marked: set[str] = set()  # holders this run marked pending (committed), until settled

    # -- cursor ---------------------------------------------------------------------------------

    def load_cursor(self) -> Cursor:
        store.prepare(self.conn)
        c = models.chains
        with self.conn.begin():
            row = self.conn.execute(select(c.c.block_number, c.c.block_hash).where(c.c.chain_id == self.chain_id)).first()
            if row is not None:
                self.cursor = Cursor(row.block_number, row.block_hash)
                return self.cursor
            start = self.contract_set.start_block
            # The block before the first contract anchors the parent-hash chain.
            anchor = self.reader.headers([start - 1])[start - 1] if start > 0 else None
            self.conn.execute(insert(c).values(
                chain_id=self.chain_id, name=self.chain.name, block_number=start - 1,
                block_hash=anchor.hash if anchor else None, start_block=start, updated_at=datetime.now(UTC),
            ).on_conflict_do_nothing())
            if anchor:
                store.insert_blocks(self.conn, self.chain_id, [anchor])
        return self.load_cursor()

    def _children(self) -> dict[str, str]:
        found: dict[str, str] = {}
        e = models.events
        for child, factory in self.contract_set.child_sources():
            rows = self.conn.execute(
                select(e.c.args[child.address_arg].astext).where(
                    e.c.chain_id == self.chain_id, e.c.address == factory, e.c.event_name == child.event)
            ).scalars()
            found.update({str(a).lower(): child.name for a in rows})
        self.conn.rollback()  # end the read-only transaction autobegun above
        return found

    # -- pipeline -------------------------------------------------------------------------------

    def _start_fetcher(self) -> None:
        self._fetcher = Fetcher(self.reader, self.cursor.number + 1, self._children(), self._queue,
                                self.options, self._range)
        self._fetcher.start()

    def _stop_fetcher(self) -> None:
        fetcher, self._fetcher = self._fetcher, None
        if fetcher is None:
            return
        fetcher.stop()
        while fetcher.is_alive():
            try:
                self._queue.get(timeout=0.05)
            except queue.Empty:
                pass
        fetcher.join()
        self._range = fetcher.range_size
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break

    def run(self, *, stop_at_head: bool = False, until_block: int | None = None) -> SyncStats:
        """Sync until stopped (or, for tests and benches, until caught up / past ``until_block``)."""
        self.load_cursor()
        self._start_fetcher()
        try:
            while not self.stop.is_set():
                try:
                    item = self._queue.get(timeout=0.2)
                except queue.Empty:
                    continue
                if isinstance(item, BaseException):
                    raise item
                if isinstance(item, Idle):
                    self.tip = item.tip
                    if self.cursor.number == item.tip.head and self.cursor.hash != item.tip.head_hash:
                        self._handle_reorg()
                        continue
                    if item.tip.head < self.cursor.number:
                        self._handle_reorg()  # the chain got shorter than what we wrote
                        continue
                    self._write_tip(item.tip)
                    if self._natives_pending and self.cursor.hash == item.tip.head_hash:
                        self._settle_pending_natives()
                    if self.on_progress:
                        self.on_progress(self, item)
                    if stop_at_head and self.cursor.number >= item.tip.head:
                        break
                    continue
                if item.start != self.cursor.number + 1:
                    continue  # read before the last rollback; the restarted fetcher re-reads it
                if self.cursor.hash is not None and item.headers[item.start].parent_hash != self.cursor.hash:
                    self._handle_reorg()
                    continue
                self._write(item)
                if self.on_progress:
                    self.on_progress(self, item)
                if until_block is not None and self.cursor.number >= until_block:
                    break
        finally:
            self._stop_fetcher()
        return self.stats

    # -- writing --------------------------------------------------------------------------------

    def _tip_values(self, tip: Tip) -> dict[str, Any]:
        return {"head_block": tip.head, "safe_block": tip.safe, "finalized_block": tip.finalized,
                "confirmed_block": self.reader.confirmed(tip), "head_seen_at": datetime.now(UTC),
                "updated_at": datetime.now(UTC)}

    def _write_tip(self, tip: Tip) -> None:
        c = models.chains
        with self.conn.begin():
            self.conn.execute(update(c).where(c.c.chain_id == self.chain_id).values(**self._tip_values(tip)))
        self._update_gauges(tip, None)

    @telemetry.traced("sync.write", lambda self, batch: {"lancer.chain": self.chain.name, "lancer.to_block": batch.end})
    def _write(self, batch: Batch) -> None:
        started = time.perf_counter()
        c = models.chains
        end_hash = batch.headers[batch.end].hash
        with self.conn.begin():
            if batch.end <= self.reader.confirmed(batch.tip):
                # Deep in a backfill, don't wait for the WAL flush at commit. The cursor commits in
                # this same transaction, so a PostgreSQL crash can lose only whole trailing batches,
                # with their cursor: the worker reads them again, and below the confirmed block the
                # chain gives the same rows back. Near the head a batch may be orphaned by a reorg
                # before it is read again: readers (the API, the chain feed's outbox) may have acted
                # on rows a crash would lose and the chain no longer gives back, so those batches
                # commit durably (the default).
                self.conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            # Optimistic guard besides the advisory lock: the cursor must still be where we left it.
            moved = self.conn.execute(
                update(c).where(c.c.chain_id == self.chain_id, c.c.block_number == self.cursor.number)
                .values(block_number=batch.end, block_hash=end_hash, **self._tip_values(batch.tip))
            ).rowcount
            if moved != 1:
                raise RuntimeError(f"cursor of chain {self.chain.name} moved under this worker")
            # Snapshots taken above earlier batches, in blocks this one covers: kept only if canonical,
            # and their blocks stored (the read models serve a snapshot only of a stored block).
            kept = store.settle_native_balances(self.conn, self.chain_id, batch.start, batch.end,
                                                {n: h.hash for n, h in batch.headers.items()})
            if batch.native_balances and batch.start <= batch.native_block <= batch.end:
                kept.add(batch.native_block)
            stored = {h.number for h in batch.stored}
            store.insert_blocks(self.conn, self.chain_id,
                                batch.stored + [batch.headers[n] for n in sorted(kept - stored)])
            if batch.events:
                store.insert_raw(self.conn, batch.event_rows, batch.transaction_rows)
                apply_all(self.conn, self.chain_id, batch.events, batch.prepared)
            store.insert_native_balances(self.conn, self.chain_id, batch.native_block, batch.native_hash,
                                         batch.native_balances)
            if batch.pending_natives:
                # Holders marked by earlier batches of this run need no new mark (a dense token's
                # batches name the same few thousand holders again and again).
                fresh = [h for h in batch.pending_natives if h not in self._marked]
                store.add_pending_natives(self.conn, self.chain_id, fresh)
                self._natives_pending = True
            if batch.settles:
                # Their balances came with this batch (read by the fetcher at its end block).
                store.drop_pending_natives(self.conn, self.chain_id, batch.settles)
        self.cursor = Cursor(batch.end, end_hash)
        if batch.settles:
            self._marked.difference_update(batch.settles)  # their activity must mark them again
        if batch.pending_natives:
            if len(self._marked) > self.MARKED_CACHE:
                self._marked.clear()  # bounded memory; at worst some holders are marked twice
            self._marked.update(batch.pending_natives)
        if not batch.pending_natives and self._natives_pending and batch.end > self.reader.confirmed(batch.tip):
            self._settle_pending_natives()
        self.tip = batch.tip
        blocks = batch.end - batch.start + 1
        self.stats.batches += 1
        self.stats.blocks += blocks
        self.stats.events += len(batch.events)
        metrics.BATCH_SECONDS.labels(chain=self.chain.name).observe(time.perf_counter() - started)
        metrics.BLOCKS.labels(chain=self.chain.name).inc(blocks)
        metrics.EVENTS.labels(chain=self.chain.name).inc(len(batch.events))
        self._update_gauges(batch.tip, batch.headers[batch.end])

    def _settle_pending_natives(self, page: int = 5000) -> None:
        """Snapshot the native balance of every pending holder at the cursor block (by its hash),
        a page per transaction; a failed read leaves the rest pending for the next chance."""
        self._marked.clear()  # from here on, a holder's activity must mark it again
        while True:
            with self.conn.begin():
                holders = store.pending_natives(self.conn, self.chain_id, page)
                if holders and self.cursor.hash is not None:
                    try:
                        balances = self.reader.native_balances(holders, self.cursor.number, self.cursor.hash)
                    except RpcError as exc:  # a reorg race or a faulty node: next time
                        log.info("native_snapshots_deferred", chain=self.chain.name, kind=type(exc).__name__)
                        return
                    store.insert_native_balances(self.conn, self.chain_id, self.cursor.number, self.cursor.hash,
                                                 balances)
                    store.drop_pending_natives(self.conn, self.chain_id, holders)
            if len(holders) < page:
                self._natives_pending = False
                return

    def _update_gauges(self, tip: Tip, last: Header | None) -> None:
        name = self.chain.name
        metrics.INDEXED_BLOCK.labels(chain=name).set(self.cursor.number)
        metrics.HEAD_BLOCK.labels(chain=name).set(tip.head)
        metrics.CONFIRMED_BLOCK.labels(chain=name).set(self.reader.confirmed(tip))
        metrics.HEAD_LAG_BLOCKS.labels(chain=name).set(max(0, tip.head - self.cursor.number))
        if last is not None:
            metrics.HEAD_LAG_SECONDS.labels(chain=name).set(max(0.0, time.time() - last.timestamp))

    # -- reorgs ---------------------------------------------------------------------------------

    def _find_ancestor(self) -> tuple[int, str | None]:
        """Highest stored block that is still canonical (walking back page by page)."""
        b = models.blocks
        below = self.cursor.number + 1
        while True:
            stored = self.conn.execute(
                select(b.c.number, b.c.hash).where(b.c.chain_id == self.chain_id, b.c.number < below)
                .order_by(b.c.number.desc()).limit(64)
            ).all()
            self.conn.rollback()
            if not stored:
                return self.contract_set.start_block - 1, None
            canonical = eth.blocks_by_tag(self.reader.rpc, [hex(r.number) for r in stored])
            for row, block in zip(stored, canonical, strict=True):
                if block and block.get("hash") == row.hash:
                    return row.number, row.hash
            below = stored[-1].number

    def _handle_reorg(self) -> None:
        self._stop_fetcher()
        ancestor, ancestor_hash = self._find_ancestor()
        depth = self.cursor.number - ancestor
        if depth <= 0:
            # Our cursor block is still canonical: what looked like a reorg was a bad answer.
            self.rpc.record_fault("invalid")
            self.rpc.rotate("inconsistent parent hash")
            log.warning("inconsistent_answer", chain=self.chain.name, cursor=self.cursor.number)
            self._start_fetcher()
            return
        confirmed = self.reader.confirmed(self.tip) if self.tip else None
        started = time.perf_counter()
        c = models.chains
        with self.conn.begin():
            # Each projection undoes its own rows (reading the raw events above the ancestor), then
            # the engine deletes its own.
            rollback_all(self.conn, self.chain_id, ancestor)
            store.delete_above(self.conn, self.chain_id, ancestor)
            self.conn.execute(update(c).where(c.c.chain_id == self.chain_id).values(
                block_number=ancestor, block_hash=ancestor_hash, reorg_count=c.c.reorg_count + 1,
                last_reorg_depth=depth, max_reorg_depth=text(f"greatest(max_reorg_depth, {int(depth)})"),
                last_reorg_at=datetime.now(UTC), updated_at=datetime.now(UTC)))
        self.cursor = Cursor(ancestor, ancestor_hash)
        self.stats.reorgs += 1
        metrics.REORGS.labels(chain=self.chain.name).inc()
        metrics.REORG_DEPTH.labels(chain=self.chain.name).observe(depth)
        deep = confirmed is not None and ancestor < confirmed
        (log.warning if deep else log.info)(
            "reorg", chain=self.chain.name, depth=depth, ancestor=ancestor, beyond_confirmed=deep,
            rollback_ms=round((time.perf_counter() - started) * 1000, 1))
        self._start_fetcher()
