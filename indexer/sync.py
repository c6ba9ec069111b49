"""The sync engine of one chain: cursor, adaptive ranges, a bounded fetch-ahead pipeline, reorg
handling, and one database transaction per batch.

Threads: a fetcher reads ahead of the writer into a bounded queue, so RPC latency, decoding and
database writes overlap. A scanner thread reads ranges in order (eth_getLogs, decoding, children)
and cuts dense ones into chunks of about ``batch_events`` events; a small pool completes chunks
(headers, receipts, COPY-encoded rows) in parallel; the fetcher hands them over strictly in order.
The writer is the only one that decides what is true: it checks every batch's parent hash against
the cursor, and on a mismatch stops the fetcher, walks back to the common ancestor, rolls back in
one transaction and restarts the fetcher there. Each batch is one transaction (raw events,
transactions, projections, cursor) written set-based through ``indexer.bulk``.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, NoReturn

import msgspec
import structlog
from sqlalchemy import Connection, delete, select, text, update
from sqlalchemy.dialects.postgresql import insert

from indexer import bulk, metrics, models, native_snapshots
from indexer.completeness import FollowedBloom
from indexer.contracts import ContractSet
from indexer.decode import DecodedEvent, EventDecoder, MalformedLog, checksum_address, event_topics
from indexer.projections import apply_all, rollback_all
from indexer.registry import ChainConfig
from indexer.rpc import InvalidResponse, RangeTooLarge, ReorgRace, RpcClient, RpcError, RpcTimeout

log = structlog.get_logger(__name__)

# Above this many known children, getLogs filters by event topics only and drops foreign logs here:
# nodes cap (or choke on) long address lists.
ADDRESS_FILTER_LIMIT = 1000
_EPOCH = datetime.fromtimestamp(0, UTC)
BLOCK_COLUMNS = ("chain_id", "number", "hash", "parent_hash", "timestamp")
EVENT_COLUMNS = ("chain_id", "block_number", "block_hash", "block_time", "tx_hash", "tx_index", "log_index",
                 "address", "contract", "event_name", "args")
TRANSACTION_COLUMNS = ("chain_id", "tx_hash", "block_number", "block_hash", "tx_index", "from_address", "to_address",
                       "gas_used", "effective_gas_price", "fee_wei", "status")


# The two biggest tables get a hand-rolled COPY encoding (one f-string per row, in EVENT_COLUMNS /
# TRANSACTION_COLUMNS order): the generic bulk.encode costs a function call per value.

def _event_rows(events: list[DecodedEvent]) -> bytes:
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    text = bulk.copy_text
    times: dict[datetime, str] = {}
    lines = []
    for ev in events:
        when = times.get(ev.block_time) or times.setdefault(ev.block_time, ev.block_time.isoformat())
        # json escapes every control character, so a backslash is the only COPY-special one left.
        args = dumps(ev.args).replace("\\", "\\\\")
        lines.append(f"{ev.chain_id:d}\t{ev.block_number:d}\t{text(ev.block_hash)}\t{when}\t{text(ev.tx_hash)}\t"
                     f"{ev.tx_index:d}\t{ev.log_index:d}\t{text(ev.address)}\t{text(ev.contract)}\t"
                     f"{text(ev.event_name)}\t{args}\n")
    return "".join(lines).encode()


def _transaction_rows(rows: list[tuple[Any, ...]]) -> bytes:
    text = bulk.copy_text
    return "".join(
        f"{chain_id:d}\t{text(tx_hash)}\t{number:d}\t{text(block_hash)}\t{index:d}\t{text(sender)}\t"
        f"{text(to) if to is not None else bulk.NULL}\t{gas:d}\t{price:d}\t{fee:d}\t{status:d}\n"
        for chain_id, tx_hash, number, block_hash, index, sender, to, gas, price, fee, status in rows
    ).encode()


@dataclass(frozen=True, slots=True)
class Header:
    number: int
    hash: str
    parent_hash: str
    timestamp: int
    bloom: int = 0  # logsBloom, for the completeness check (indexer.completeness)

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, UTC)

    @classmethod
    def from_rpc(cls, block: dict[str, Any] | None, expected: int | None = None) -> Header:
        if not block or "hash" not in block:
            raise InvalidResponse(f"no block {expected}")
        header = cls(int(block["number"], 16), block["hash"], block["parentHash"], int(block["timestamp"], 16),
                     int(block.get("logsBloom") or "0x0", 16))
        if expected is not None and header.number != expected:
            raise InvalidResponse(f"asked for block {expected}, got {header.number}")
        return header


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
    # The raw rows, COPY-encoded off the writer's thread (bulk.encode): the writer only ships them.
    event_rows: bytes  # in EVENT_COLUMNS order
    transaction_rows: bytes  # in TRANSACTION_COLUMNS order
    tip: Tip
    native_balances: dict[str, int] = field(default_factory=dict)
    native_block: int = 0  # the block the native balances are as of
    native_hash: str | None = None  # ... and its hash (the balances were read by that hash)
    stored: list[Header] = field(default_factory=list)  # the headers kept in ``blocks``


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


class Receipt(msgspec.Struct, rename={"sender": "from"}):
    """The fields of a receipt the index keeps; the rest (logs, bloom) is skipped unparsed."""

    transactionHash: str
    blockHash: str
    blockNumber: str
    transactionIndex: str
    sender: str
    gasUsed: str
    to: str | None = None
    effectiveGasPrice: str | None = None
    status: str | None = None


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
    # range is at most probe_range blocks: the density is unknown until one range was read.
    range_events: int = 40_000
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


class ChainReader:
    """Everything read from the node for one range, checked for consistency on the way."""

    def __init__(self, chain: ChainConfig, contract_set: ContractSet, rpc: RpcClient, options: SyncOptions) -> None:
        self.chain = chain
        self.contract_set = contract_set
        self.rpc = rpc
        self.options = options
        self.decoder = EventDecoder(contract_set)
        self.static_addresses = [c.address for c in contract_set.contracts if c.topics is None]
        self.filtered = [(c.address, [list(t) if t else None for t in c.topics])
                         for c in contract_set.contracts if c.topics is not None]
        self.child_topics = sorted({t for ch in contract_set.children for t in event_topics(ch.abi)})
        # Decoded events carry checksummed addresses: compare factories in that form.
        self.child_sources = [(ch, checksum_address(addr)) for ch, addr in contract_set.child_sources()]
        self.followed = FollowedBloom(self.static_addresses, self.filtered, self.child_topics)
        self._block_receipts: bool | None = None

    def tip(self) -> Tip:
        calls: list[tuple[str, list[object]]] = [("eth_getBlockByNumber", ["latest", False])]
        tag = self.chain.finality.tag
        if tag:
            calls.append(("eth_getBlockByNumber", [tag, False]))
        replies = self.rpc.batch(calls)
        head = Header.from_rpc(replies[0])
        tip = Tip(head=head.number, head_hash=head.hash)
        if tag and replies[1]:
            number = int(replies[1]["number"], 16)
            if tag == "safe":
                tip.safe = number
            else:
                tip.finalized = number
        return tip

    def confirmed(self, tip: Tip) -> int:
        tagged = tip.finalized if tip.finalized is not None else tip.safe
        if tagged is not None:
            return tagged
        return tip.head - self.chain.finality.confirmations

    def headers(self, numbers: list[int]) -> dict[int, Header]:
        replies = self.rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
        return {n: Header.from_rpc(r, n) for n, r in zip(numbers, replies, strict=True)}

    def _logs(self, start: int, end: int, hashes: list[tuple[int, str]], **flt: Any) -> list[dict[str, Any]]:
        """The logs of a range; appends (block number, block hash) of each to ``hashes``."""
        # One retry only: a timeout here usually means "range too big", which the caller fixes.
        logs = self.rpc.call("eth_getLogs", [{"fromBlock": hex(start), "toBlock": hex(end), **flt}], retries=1)
        if not isinstance(logs, list):
            raise InvalidResponse("eth_getLogs did not return a list")
        for entry in logs:
            number = int(entry["blockNumber"], 16)
            if not start <= number <= end or entry.get("removed"):
                raise InvalidResponse(f"eth_getLogs returned a log of block {number} outside {start}-{end}")
            hashes.append((number, entry["blockHash"]))
        return logs

    def _decode(self, entry: dict[str, Any], children: dict[str, str]) -> DecodedEvent | None:
        try:
            return self.decoder.decode(entry, _EPOCH, children)
        except MalformedLog as exc:  # the contract cannot have emitted this: the node is at fault
            raise InvalidResponse(str(exc)) from None

    def scan(self, start: int, end: int, tip: Tip, children: dict[str, str]) -> list[Chunk]:
        """The logs of blocks ``start..end``, decoded and cut into chunks; ``children`` grows with the
        children created in the range."""
        pin = (end, tip.head_hash) if end == tip.head else (end, self.headers([end])[end].hash)
        log_hashes: list[tuple[int, str]] = []
        logs = self._logs(start, end, log_hashes, address=self.static_addresses) if self.static_addresses else []
        for address, topics in self.filtered:
            logs = logs + self._logs(start, end, log_hashes, address=address, topics=topics)
        # Children created in this very range must be followed from their first block on.
        found = [self._decode(entry, children) for entry in logs]
        static_events = [ev for ev in found if ev is not None]
        for child, factory in self.child_sources:
            for ev in static_events:
                if ev.event_name == child.event and ev.address == factory:
                    children[str(ev.args[child.address_arg]).lower()] = child.name
        child_events: list[DecodedEvent] = []
        if children and self.child_topics:
            if len(children) <= ADDRESS_FILTER_LIMIT:
                child_logs = self._logs(start, end, log_hashes, address=[checksum_address(a) for a in children],
                                        topics=[self.child_topics])
            else:
                child_logs = self._logs(start, end, log_hashes, topics=[self.child_topics])
            child_events = [ev for entry in child_logs if (ev := self._decode(entry, children))]
        events = static_events + child_events
        events.sort(key=attrgetter("block_number", "log_index"))
        log_hashes.sort()
        chunks = self._cut(start, end, events, log_hashes, tip)
        followed = frozenset(children)
        for chunk in chunks:
            chunk.pin, chunk.children = pin, followed
        return chunks

    def _cut(self, start: int, end: int, events: list[DecodedEvent], log_hashes: list[tuple[int, str]],
             tip: Tip) -> list[Chunk]:
        """Chunks of about ``batch_events`` events each, cut between blocks, covering start..end."""
        ends: list[int] = []
        count = 0
        for i, ev in enumerate(events):
            count += 1
            last_of_block = i + 1 == len(events) or events[i + 1].block_number != ev.block_number
            if count >= self.options.batch_events and last_of_block and ev.block_number < end:
                ends.append(ev.block_number)
                count = 0
        ends.append(end)
        chunks: list[Chunk] = []
        first, e, h = start, 0, 0
        for last in ends:
            e_stop, h_stop = e, h
            while e_stop < len(events) and events[e_stop].block_number <= last:
                e_stop += 1
            while h_stop < len(log_hashes) and log_hashes[h_stop][0] <= last:
                h_stop += 1
            chunks.append(Chunk(first, last, events[e:e_stop], log_hashes[h:h_stop], tip))
            first, e, h = last + 1, e_stop, h_stop
        return chunks

    def complete(self, chunk: Chunk) -> Batch:
        """Headers and receipts of a chunk, everything checked against the headers: one canonical
        chain's (the pin), and complete (every block whose bloom admits a followed log had its logs)."""
        start, end, events = chunk.start, chunk.end, chunk.events
        full = end > self.confirmed(chunk.tip)
        # Every header is read (the bloom of each is checked); deep down only the range ends, the
        # blocks with logs and native-snapshot blocks are kept in ``blocks``.
        pin_number, pin_hash = chunk.pin
        numbers = list(range(start, end + 1)) + ([pin_number] if pin_number > end else [])
        headers = self.headers(numbers)
        pinned = headers.pop(pin_number) if pin_number > end else headers[pin_number]
        if pin_hash and pinned.hash != pin_hash:
            raise ReorgRace(f"block {pin_number} changed while {start}-{end} was read")
        for number, block_hash in chunk.log_hashes:
            if headers[number].hash != block_hash:
                self._race_or_fault(chunk, f"log of block {number} names hash {block_hash[:12]}, "
                                           f"the block is {headers[number].hash[:12]}")
        for n in range(start + 1, end + 1):
            if headers[n].parent_hash != headers[n - 1].hash:
                self._race_or_fault(chunk, f"headers {n - 1}-{n} do not chain")
        self._check_complete(chunk, headers)
        times = {n: h.time for n, h in headers.items()}
        for ev in events:
            ev.block_time = times[ev.block_number]
        for enrich in self.contract_set.enrichers:
            enrich(self.rpc, events)
        try:
            transactions = self.receipts(events, headers) if events else []
        except InvalidResponse as exc:
            self._race_or_fault(chunk, str(exc))
        # Most nodes prune old state (and a loaded anvil state has none), so deep in a backfill the
        # balances are read at the head the node reported, by its hash: each snapshot records the
        # block (number and hash) it is as of, and the writer drops it once that block is orphaned.
        native_block, native_hash = (end, headers[end].hash) if full else (chunk.tip.head, chunk.tip.head_hash)
        natives = self.native_balances(parties(events, transactions), native_block, native_hash) if events else {}
        with_logs = {n for n, _ in chunk.log_hashes}
        stored = list(headers.values()) if full else [
            h for n, h in headers.items() if n in (start, end) or n in with_logs]
        return Batch(start, end, headers, events, _event_rows(events), _transaction_rows(transactions),
                     chunk.tip, natives, native_block, native_hash, stored)

    def _canonical(self, number: int, block_hash: str) -> bool:
        reply = self.rpc.call("eth_getBlockByNumber", [hex(number), False])
        return bool(reply) and reply.get("hash") == block_hash

    def _race_or_fault(self, chunk: Chunk, message: str) -> NoReturn:
        """Answers of a chunk disagree: a reorg if its pin is gone, else the node's fault."""
        number, block_hash = chunk.pin
        if block_hash and not self._canonical(number, block_hash):
            raise ReorgRace(message)
        raise InvalidResponse(message)

    def _check_complete(self, chunk: Chunk, headers: dict[int, Header]) -> None:
        """Blocks whose bloom admits a followed log but that returned none are read again by hash."""
        with_logs = {n for n, _ in chunk.log_hashes}
        many = len(chunk.children) > ADDRESS_FILTER_LIMIT
        suspects = [h for n, h in headers.items() if n not in with_logs
                    and self.followed.may_hold(h.bloom, chunk.children, any_child=many)]
        if not suspects:
            return
        filters: list[dict[str, Any]] = []
        if self.static_addresses:
            filters.append({"address": self.static_addresses})
        filters += [{"address": address, "topics": topics} for address, topics in self.filtered]
        if chunk.children and self.child_topics:
            filters.append({"topics": [self.child_topics]} if many else
                           {"address": [checksum_address(a) for a in chunk.children], "topics": [self.child_topics]})
        calls = [("eth_getLogs", [{"blockHash": h.hash, **f}]) for h in suspects for f in filters]
        try:
            replies = self.rpc.batch(calls, retries=1)
        except RpcError as exc:
            if exc.kind != "rpc":
                raise
            self._race_or_fault(chunk, f"logs of a block gone: {exc}")  # e.g. unknown block hash
        for i, reply in enumerate(replies):
            if reply:
                number = suspects[i // len(filters)].number
                self._race_or_fault(chunk, f"eth_getLogs omitted the logs of block {number}")

    def native_balances(self, addresses: list[str], block: int, block_hash: str) -> dict[str, int]:
        """Native-coin balance of each address as of block ``block_hash`` (events can't tell these).
        Read by hash (EIP-1898): by number a reorg, or anvil mining, could answer another block's."""
        if not addresses:
            return {}
        try:
            replies = self.rpc.batch([("eth_getBalance", [a, {"blockHash": block_hash}]) for a in addresses],
                                     max_size=self.options.receipt_batch)
        except RpcError as exc:
            if exc.kind == "rpc" and not self._canonical(block, block_hash):
                raise ReorgRace(f"block {block} gone before its balances were read") from None
            raise
        out: dict[str, int] = {}
        for address, reply in zip(addresses, replies, strict=True):
            if not isinstance(reply, str) or not reply.startswith("0x"):
                raise InvalidResponse("eth_getBalance did not return a quantity")
            out[address] = int(reply, 16)
        return out

    def receipts(self, events: list[DecodedEvent], headers: dict[int, Header]) -> list[tuple[Any, ...]]:
        wanted = {ev.tx_hash for ev in events}
        blocks = sorted({ev.block_number for ev in events})
        found: list[Receipt | None] = []
        if self._block_receipts is not False:
            try:
                replies = self.rpc.batch([("eth_getBlockReceipts", [hex(n)]) for n in blocks],
                                         max_size=self.options.receipt_batch, result_type=list[Receipt])
                self._block_receipts = True
                for reply in replies:
                    if not isinstance(reply, list):
                        raise InvalidResponse("eth_getBlockReceipts did not return a list")
                    found.extend(r for r in reply if r.transactionHash in wanted)
            except RpcError as exc:
                if self._block_receipts or exc.kind != "rpc":
                    raise
                self._block_receipts = False  # the node lacks the method: per-transaction receipts
        if self._block_receipts is False:
            found = self.rpc.batch([("eth_getTransactionReceipt", [h]) for h in sorted(wanted)],
                                   max_size=self.options.receipt_batch, result_type=Receipt)
        rows: list[tuple[Any, ...]] = []
        chain_id = self.chain.chain_id
        for r in found:
            if r is None:
                raise InvalidResponse("missing receipt")
            number = int(r.blockNumber, 16)
            header = headers.get(number)
            if header is None or header.hash != r.blockHash:
                raise InvalidResponse(f"receipt of block {number} names another block hash")
            gas_used = int(r.gasUsed, 16)
            price = int(r.effectiveGasPrice or "0x0", 16)
            rows.append((  # in TRANSACTION_COLUMNS order
                chain_id, r.transactionHash, number, r.blockHash, int(r.transactionIndex, 16),
                checksum_address(r.sender), checksum_address(r.to) if r.to else None,
                gas_used, price, gas_used * price, int(r.status or "0x1", 16),
            ))
        if len(rows) != len(wanted):
            raise InvalidResponse(f"{len(wanted) - len(rows)} receipts missing")
        return rows


_ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


_TX_FROM = TRANSACTION_COLUMNS.index("from_address")


def parties(events: list[DecodedEvent], transactions: list[tuple[Any, ...]]) -> list[str]:
    """Checksummed addresses a batch's platform activity involves: contracts that emitted events,
    addresses in event arguments, and transaction senders (the zero address excluded)."""
    found: set[str] = set()

    def add(value: object) -> None:
        if isinstance(value, str) and len(value) == 42 and value.startswith("0x") and value != _ZERO_ADDRESS:
            try:
                found.add(checksum_address(value))
            except ValueError:
                pass

    for ev in events:
        add(ev.address)
        for value in ev.args.values():
            add(value)
    for tx in transactions:
        add(tx[_TX_FROM])
    return sorted(found)


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
                if len(self.inflight) >= self.options.pipeline_depth:
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
                                                                     self.children))
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
        self.next = end + 1
        self._adapt(end - start + 1, sum(len(c.log_hashes) for c in chunks))

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
            self._put(batch)
            self.inflight.popleft()
            self.handed = chunk.end + 1
            moved = True
        return moved

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


class ChainSyncer:
    """Indexes one chain into PostgreSQL through ``conn`` (a connection that holds the chain's lock)."""

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

    # -- cursor ---------------------------------------------------------------------------------

    def load_cursor(self) -> Cursor:
        # Every table a batch writes gets its session staging table once, not once per batch.
        bulk.prepare(self.conn, [t for t in models.metadata.sorted_tables if t is not models.chains])
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
                self._insert_blocks([anchor])
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

    def _insert_blocks(self, headers: list[Header]) -> None:
        bulk.insert(self.conn, models.blocks, BLOCK_COLUMNS,
                    [(self.chain_id, h.number, h.hash, h.parent_hash, h.time) for h in headers],
                    conflict=("chain_id", "number"), update=("hash", "parent_hash", "timestamp"))

    def _tip_values(self, tip: Tip) -> dict[str, Any]:
        return {"head_block": tip.head, "safe_block": tip.safe, "finalized_block": tip.finalized,
                "confirmed_block": self.reader.confirmed(tip), "head_seen_at": datetime.now(UTC),
                "updated_at": datetime.now(UTC)}

    def _write_tip(self, tip: Tip) -> None:
        c = models.chains
        with self.conn.begin():
            self.conn.execute(update(c).where(c.c.chain_id == self.chain_id).values(**self._tip_values(tip)))
        self._update_gauges(tip, None)

    def _write(self, batch: Batch) -> None:
        started = time.perf_counter()
        c = models.chains
        end_hash = batch.headers[batch.end].hash
        with self.conn.begin():
            # Optimistic guard besides the advisory lock: the cursor must still be where we left it.
            moved = self.conn.execute(
                update(c).where(c.c.chain_id == self.chain_id, c.c.block_number == self.cursor.number)
                .values(block_number=batch.end, block_hash=end_hash, **self._tip_values(batch.tip))
            ).rowcount
            if moved != 1:
                raise RuntimeError(f"cursor of chain {self.chain.name} moved under this worker")
            # Snapshots taken above earlier batches, in blocks this one covers: kept only if canonical,
            # and their blocks stored (the read models serve a snapshot only of a stored block).
            kept = native_snapshots.settle(self.conn, self.chain_id, batch.start, batch.end,
                                           {n: h.hash for n, h in batch.headers.items()})
            if batch.native_balances and batch.start <= batch.native_block <= batch.end:
                kept.add(batch.native_block)
            stored = {h.number for h in batch.stored}
            self._insert_blocks(batch.stored + [batch.headers[n] for n in sorted(kept - stored)])
            if batch.events:
                bulk.insert(self.conn, models.events, EVENT_COLUMNS, batch.event_rows,
                            conflict=("chain_id", "block_hash", "log_index"), order_by="block_number, log_index")
                bulk.insert(self.conn, models.transactions, TRANSACTION_COLUMNS, batch.transaction_rows,
                            conflict=("chain_id", "tx_hash"))
                apply_all(self.conn, self.chain_id, batch.events)
            if batch.native_balances:
                native_snapshots.store(self.conn, self.chain_id, batch.native_block, batch.native_hash,
                                       batch.native_balances)
        self.cursor = Cursor(batch.end, end_hash)
        self.tip = batch.tip
        blocks = batch.end - batch.start + 1
        self.stats.batches += 1
        self.stats.blocks += blocks
        self.stats.events += len(batch.events)
        metrics.BATCH_SECONDS.labels(chain=self.chain.name).observe(time.perf_counter() - started)
        metrics.BLOCKS.labels(chain=self.chain.name).inc(blocks)
        metrics.EVENTS.labels(chain=self.chain.name).inc(len(batch.events))
        self._update_gauges(batch.tip, batch.headers[batch.end])

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
            canonical = self.reader.rpc.batch(
                [("eth_getBlockByNumber", [hex(r.number), False]) for r in stored])
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
            rollback_all(self.conn, self.chain_id, ancestor)
            for table in models.PER_BLOCK_TABLES:
                self.conn.execute(delete(table).where(table.c.chain_id == self.chain_id,
                                                      table.c.block_number > ancestor))
            self.conn.execute(delete(models.blocks).where(models.blocks.c.chain_id == self.chain_id,
                                                          models.blocks.c.number > ancestor))
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
