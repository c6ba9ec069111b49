"""The fetch-ahead pipeline of one chain: a thread that reads ranges ahead of the writer into a
bounded queue, so RPC latency, decoding and database writes overlap.

A scanner thread reads ranges in order (eth_getLogs, decoding, children) and cuts dense ones into
chunks of about ``batch_events`` events; a small pool completes chunks (headers, receipts,
COPY-encoded rows) in parallel; the fetcher hands them over strictly in order.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import structlog

from indexer import metrics
from indexer.rpc.errors import InvalidResponse, RangeTooLarge, ReorgRace, RpcError, RpcTimeout
from indexer.sync.reader import ChainReader
from indexer.sync.types import Batch, Chunk, Idle, SyncOptions, Tip

log = structlog.get_logger(__name__)


class Fetcher(threading.Thread):
    """Reads ranges from ``start`` on into ``out`` (bounded), adapting the range size.

    Ranges are scanned (eth_getLogs + decoding) one after the other by a scanner thread, since each
    range can reveal children the next one must follow. The chunks of a scanned range are completed
    (headers, receipts) by a small pool. This thread only plans and hands batches to ``out``,
    strictly in order, as soon as they are complete. Any failure drops everything read past the last
    handed-over chunk and reads it again from there.
    """

    def __init__(self, reader: ChainReader, start: int, children: dict[str, str], out: queue.Queue[Any],
                 options: SyncOptions, range_size: int) -> None:
        super().__init__(name=f"fetch-{reader.chain.name}", daemon=True)
        self.reader = reader
        self.next = start  # next block to scan
        self.handed = start  # every block below this one went to ``out``
        self.children = dict(children)
        self.out = out
        self.options = options
        self.range_size = max(1, min(range_size, options.probe_range))
        self.stopping = threading.Event()
        self.poll = options.poll_interval or max(0.05, reader.chain.block_time_seconds / 2)
        self.chain = reader.chain.name
        self.scanning: tuple[int, int, Future[list[Chunk]]] | None = None  # (start, end, chunks)
        self.inflight: deque[tuple[Chunk, Future[Batch]]] = deque()
        self.made = 0  # chunks cut so far (the first ones are smaller: ChainReader._cut)
        # Holders the deep batches handed over so far marked pending (None past PARTIES_CAP): the first
        # batch above the confirmed block carries their native balances, read while the writer still
        # writes the batches before it, instead of the writer reading them alone once it is done.
        self.parties: set[str] | None = set()
        self.scanner = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"scan-{self.chain}")
        self.pool = ThreadPoolExecutor(max_workers=options.fetch_workers, thread_name_prefix=f"complete-{self.chain}")

    def stop(self) -> None:
        self.stopping.set()

    def _put(self, item: object) -> None:
        while not self.stopping.is_set():
            try:
                self.out.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def run(self) -> None:
        try:
            self._loop()
        finally:
            self.scanner.shutdown(wait=True, cancel_futures=True)
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _loop(self) -> None:
        tip: Tip | None = None
        failures = 0
        while not self.stopping.is_set():
            try:
                if self._hand_over():
                    failures = 0
                    continue
                if self.scanning is not None:
                    if self.scanning[2].done():
                        self._collect_scan()
                    else:
                        self._wait()
                    continue
                if self._inflight_full():
                    self._wait()
                    continue
                if tip is None or self.next > tip.head:
                    if self.inflight:
                        self._wait()  # hand over what was read before looking for a new head
                        continue
                    tip = self.reader.tip()
                    if self.next > tip.head:
                        self._put(Idle(tip))
                        self.stopping.wait(self.poll)
                        tip = None
                        continue
                end = min(self.next + self.range_size - 1, tip.head)
                self.scanning = (self.next, end, self.scanner.submit(self.reader.scan, self.next, end, tip,
                                                                     self.children, self.made))
            except ReorgRace as exc:
                # The chain moved under a read: no fault. Read again from the last handed-over block;
                # the writer finds the common ancestor if what it wrote is orphaned.
                self._drop_inflight()
                metrics.REORG_RACES.labels(chain=self.chain).inc()
                log.info("reorg_race", chain=self.chain, error=str(exc)[:160])
                self.stopping.wait(self.poll)
                tip = None
            except RpcError as exc:
                # The node (every URL) is faulty or down: count it, wait, try again; never give up.
                if isinstance(exc, InvalidResponse):
                    self.reader.rpc.record_fault(exc.kind)
                    self.reader.rpc.rotate(exc.kind)
                failures += 1
                log.warning("fetch_failed", chain=self.chain, kind=exc.kind, error=str(exc)[:160], failures=failures)
                self.stopping.wait(min(5.0, 0.05 * 2 ** min(failures, 7)))
                tip = None
            except BaseException as exc:  # a bug: hand it to the writer, which raises it
                self._drop_inflight()
                self._put(exc)
                return

    def _collect_scan(self) -> None:
        assert self.scanning is not None
        start, end, future = self.scanning
        self.scanning = None
        try:
            chunks = future.result()
        except (RangeTooLarge, RpcTimeout) as exc:
            self.range_size = max(1, self.range_size // 2)
            metrics.RANGE_SIZE.labels(chain=self.chain).set(self.range_size)
            log.info("range_shrunk", chain=self.chain, size=self.range_size, kind=exc.kind)
            return
        for chunk in chunks:
            self.inflight.append((chunk, self.pool.submit(self.reader.complete, chunk)))
        self.made += len(chunks)
        self.next = end + 1
        self._adapt(end - start + 1, sum(len(c.log_hashes) for c in chunks))

    def _inflight_full(self) -> bool:
        """Whether scanning must wait: ``pipeline_depth`` full batches are being completed (memory is
        bounded by events in flight, so the small first and last chunks let more of them overlap),
        or twice that many chunks whatever their size."""
        depth, batch = self.options.pipeline_depth, self.options.batch_events
        if len(self.inflight) >= 2 * depth:
            return True
        smallest = max(1, batch >> ChainReader.RAMP)
        return sum(max(len(chunk.events), smallest) for chunk, _ in self.inflight) >= depth * batch

    def _adapt(self, blocks: int, logs: int) -> None:
        # Grow after a success, but towards range_events logs per range: dense ranges would make
        # huge getLogs answers and leave the pipeline idle while one range is read.
        size = min(self.options.max_range, self.range_size * 2)
        if logs:
            size = min(size, max(1, blocks * self.options.range_events // logs))
        self.range_size = size
        metrics.RANGE_SIZE.labels(chain=self.chain).set(size)

    def _hand_over(self) -> bool:
        """Put every completed chunk at the head of the line into ``out``; True if any was."""
        moved = False
        while self.inflight and self.inflight[0][1].done() and not self.stopping.is_set():
            chunk, future = self.inflight[0]
            try:
                batch = future.result()
            except BaseException:
                # What was read after this chunk may rest on the same bad answer: read it all again.
                self._drop_inflight()
                raise
            self._carry_parties(batch)
            self._put(batch)
            self.inflight.popleft()
            self.handed = chunk.end + 1
            moved = True
        return moved

    PARTIES_CAP = 200_000  # holders remembered (~20 MB); beyond, the writer settles them as before

    def _carry_parties(self, batch: Batch) -> None:
        """Remember a deep batch's pending holders; give the first batch above the confirmed block
        their native balances at its end block (by hash). A failed read raises before anything
        changed: the batch is handed over on a later try, or read again."""
        if batch.pending_natives:
            if self.parties is not None:
                self.parties.update(batch.pending_natives)
                if len(self.parties) > self.PARTIES_CAP:
                    self.parties = None
            return
        if not self.parties or batch.end <= self.reader.confirmed(batch.tip):
            return
        missing = sorted(self.parties.difference(batch.native_balances))
        end_hash = batch.headers[batch.end].hash
        if batch.native_balances and (batch.native_block, batch.native_hash) != (batch.end, end_hash):
            return  # not read at its end block: leave the holders to the writer
        balances = self.reader.native_balances(missing, batch.end, end_hash)
        batch.native_balances = {**batch.native_balances, **balances}
        batch.native_block, batch.native_hash = batch.end, end_hash
        batch.settles = sorted(self.parties)
        self.parties = set()

    def _wait(self) -> None:
        """Until the oldest chunk is complete or the scan is done (or a moment passed)."""
        futures: list[Future[Any]] = [self.inflight[0][1]] if self.inflight else []
        if self.scanning is not None:
            futures.append(self.scanning[2])
        wait(futures, timeout=0.1, return_when=FIRST_COMPLETED)

    def _drop_inflight(self) -> None:
        for _, future in self.inflight:
            future.cancel()
        self.inflight.clear()
        if self.scanning is not None:
            self.scanning[2].cancel()  # a running scan finishes, unheard
            self.scanning = None
        self.next = self.handed
