"""Everything read from the node for one range, checked for consistency on the way: the tip, the
logs of the followed contracts (decoded, children discovered in the same range, cut into chunks),
then per chunk its headers, enrichments, receipts and native balances."""

from __future__ import annotations

from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, NoReturn

from indexer.core import telemetry
from indexer.core.addresses import ZERO_ADDRESS, checksum
from indexer.core.registry import ChainConfig
from indexer.decode import DecodedEvent, EventDecoder, MalformedLog
from indexer.projections import prepare_all
from indexer.rpc import eth
from indexer.rpc.client import RpcClient
from indexer.rpc.errors import InvalidResponse, ReorgRace, RpcError
from indexer.rpc.eth import Header, Receipt
from indexer.sources.spec import ContractSet
from indexer.sync.completeness import FollowedBloom
from indexer.sync.filters import ADDRESS_FILTER_LIMIT, LogFilters
from indexer.sync.store import TRANSACTION_COLUMNS, event_rows, transaction_rows
from indexer.sync.types import Batch, Chunk, SyncOptions, Tip

_EPOCH = datetime.fromtimestamp(0, UTC)


class ChainReader:
    """Reads one chain's ranges through ``rpc`` (thread-safe: the scanner and the pool share it)."""

    def __init__(self, chain: ChainConfig, contract_set: ContractSet, rpc: RpcClient, options: SyncOptions) -> None:
        self.chain = chain
        self.contract_set = contract_set
        self.rpc = rpc
        self.options = options
        self.decoder = EventDecoder(contract_set)
        self.filters = LogFilters(contract_set)
        self.followed = FollowedBloom(self.filters.static_addresses, self.filters.filtered, self.filters.child_topics)
        self._block_receipts: bool | None = None

    def tip(self) -> Tip:
        tags = ["latest"]
        tag = self.chain.finality.tag
        if tag:
            tags.append(tag)
        replies = eth.blocks_by_tag(self.rpc, tags)
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
        return eth.headers(self.rpc, numbers)

    def _logs(self, start: int, end: int, hashes: list[tuple[int, str]], flt: dict[str, Any]) -> list[dict[str, Any]]:
        """The logs of a range; appends (block number, block hash) of each to ``hashes``."""
        found = eth.logs(self.rpc, start, end, **flt)
        hashes.extend((int(entry["blockNumber"], 16), entry["blockHash"]) for entry in found)
        return found

    def _decode(self, entry: dict[str, Any], children: dict[str, str]) -> DecodedEvent | None:
        try:
            return self.decoder.decode(entry, _EPOCH, children)
        except MalformedLog as exc:  # the contract cannot have emitted this: the node is at fault
            raise InvalidResponse(str(exc)) from None

    @telemetry.traced("sync.scan", lambda self, start, end, *a, **k: {
        "lancer.chain": self.chain.name, "lancer.from_block": start, "lancer.to_block": end})
    def scan(self, start: int, end: int, tip: Tip, children: dict[str, str], made: int | None = None) -> list[Chunk]:
        """The logs of blocks ``start..end``, decoded and cut into chunks; ``children`` grows with the
        children created in the range. ``made``: chunks the caller's pipeline cut before (see ``_cut``)."""
        pin = (end, tip.head_hash) if end == tip.head else (end, self.headers([end])[end].hash)
        log_hashes: list[tuple[int, str]] = []
        logs: list[dict[str, Any]] = []
        for flt in self.filters.static():
            logs = logs + self._logs(start, end, log_hashes, flt)
        # Children created in this very range must be followed from their first block on.
        found = [self._decode(entry, children) for entry in logs]
        static_events = [ev for ev in found if ev is not None]
        for child, factory in self.filters.child_sources:
            for ev in static_events:
                if ev.event_name == child.event and ev.address == factory:
                    children[str(ev.args[child.address_arg]).lower()] = child.name
        child_events: list[DecodedEvent] = []
        child_filter = self.filters.children(children)
        if child_filter is not None:
            child_logs = self._logs(start, end, log_hashes, child_filter)
            child_events = [ev for entry in child_logs if (ev := self._decode(entry, children))]
        events = static_events + child_events
        events.sort(key=attrgetter("block_number", "log_index"))
        log_hashes.sort()
        chunks = self._cut(start, end, events, log_hashes, tip, made)
        followed = frozenset(children)
        for chunk in chunks:
            chunk.pin, chunk.children = pin, followed
        return chunks

    # The first chunks of a pipeline, and the last ones before the head, are smaller: batch_events
    # / 8, / 4, / 2. A pipeline's first batch is then written ~0.3 s after it starts instead of after
    # a whole batch was read and completed, and the last write (alone, after every read is done) is
    # short. Never smaller than batch_events / 8 (a batch's write has a fixed cost: ~25 statements).
    RAMP = 3

    def _cut(self, start: int, end: int, events: list[DecodedEvent], log_hashes: list[tuple[int, str]],
             tip: Tip, made: int | None = None) -> list[Chunk]:
        """Chunks of about ``batch_events`` events each, cut between blocks, covering start..end.

        With ``made`` (chunks the pipeline cut before this range) the sizes ramp up at its start and,
        when the range ends at the head, down at its end. A remainder smaller than the smallest
        chunk stays with the chunk before it (one more write costs more than a few hundred events)."""
        batch = self.options.batch_events
        smallest = max(1, batch >> self.RAMP)
        tail = made is not None and end == tip.head

        def target(index: int, left: int) -> int:
            if made is None:
                return batch
            size = batch >> max(0, self.RAMP - made - index)
            if tail:
                size = min(size, left // 2)  # halve what is left: ..., 1/2, 1/4, 1/8 of a batch
            return max(size, smallest)

        ends: list[int] = []
        count = 0
        goal = target(0, len(events))
        for i, ev in enumerate(events):
            count += 1
            last_of_block = i + 1 == len(events) or events[i + 1].block_number != ev.block_number
            if count >= goal and last_of_block and ev.block_number < end and len(events) - i - 1 >= smallest:
                ends.append(ev.block_number)
                count = 0
                goal = target(len(ends), len(events) - i - 1)
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

    @telemetry.traced("sync.complete", lambda self, chunk: {"lancer.chain": self.chain.name})
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
        # Near the head a batch's native balances are read at its last block, by hash. Deep in a
        # backfill they are not read at all: most nodes prune old state, and a snapshot at the head
        # per batch would read the same holders again and again. The batch names its parties
        # instead; the writer records them as pending and snapshots them all once, when it reaches
        # the head (``ChainSyncer._settle_pending_natives``).
        involved = parties(events, transactions) if events else []
        natives = self.native_balances(involved, end, headers[end].hash) if full and involved else {}
        with_logs = {n for n, _ in chunk.log_hashes}
        stored = list(headers.values()) if full else [
            h for n, h in headers.items() if n in (start, end) or n in with_logs]
        return Batch(start, end, headers, events, event_rows(events), transaction_rows(transactions),
                     chunk.tip, natives, end, headers[end].hash, stored,
                     pending_natives=[] if full else involved,
                     prepared=prepare_all(self.chain.chain_id, events) if events else None)

    def _race_or_fault(self, chunk: Chunk, message: str) -> NoReturn:
        """Answers of a chunk disagree: a reorg if its pin is gone, else the node's fault."""
        number, block_hash = chunk.pin
        if block_hash and not eth.canonical(self.rpc, number, block_hash):
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
        filters = self.filters.static()
        child_filter = self.filters.children(dict.fromkeys(chunk.children, ""))
        if child_filter is not None:
            filters.append(child_filter)
        try:
            replies = eth.logs_of_blocks(self.rpc, [h.hash for h in suspects], filters)
        except RpcError as exc:
            if exc.kind != "rpc":
                raise
            self._race_or_fault(chunk, f"logs of a block gone: {exc}")  # e.g. unknown block hash
        for i, reply in enumerate(replies):
            if reply:
                number = suspects[i // len(filters)].number
                self._race_or_fault(chunk, f"eth_getLogs omitted the logs of block {number}")

    def native_balances(self, addresses: list[str], block: int, block_hash: str) -> dict[str, int]:
        """Native-coin balance of each address as of block ``block_hash`` (events can't tell these)."""
        try:
            return eth.balances(self.rpc, addresses, block_hash, self.options.receipt_batch)
        except RpcError as exc:
            if exc.kind == "rpc" and not eth.canonical(self.rpc, block, block_hash):
                raise ReorgRace(f"block {block} gone before its balances were read") from None
            raise

    def receipts(self, events: list[DecodedEvent], headers: dict[int, Header]) -> list[tuple[Any, ...]]:
        wanted = {ev.tx_hash for ev in events}
        blocks = sorted({ev.block_number for ev in events})
        found: list[Receipt | None] = []
        if self._block_receipts is not False:
            try:
                replies = eth.block_receipts(self.rpc, blocks, self.options.receipt_batch)
                self._block_receipts = True
                for reply in replies:
                    found.extend(r for r in reply if r.transactionHash in wanted)
            except RpcError as exc:
                if self._block_receipts or exc.kind != "rpc":
                    raise
                self._block_receipts = False  # the node lacks the method: per-transaction receipts
        if self._block_receipts is False:
            found = eth.transaction_receipts(self.rpc, sorted(wanted), self.options.receipt_batch)
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
                checksum(r.sender), checksum(r.to) if r.to else None,
                gas_used, price, gas_used * price, int(r.status or "0x1", 16),
            ))
        if len(rows) != len(wanted):
            raise InvalidResponse(f"{len(wanted) - len(rows)} receipts missing")
        return rows


_TX_FROM = TRANSACTION_COLUMNS.index("from_address")


def parties(events: list[DecodedEvent], transactions: list[tuple[Any, ...]]) -> list[str]:
    """Checksummed addresses a batch's platform activity involves: contracts that emitted events,
    addresses in event arguments, and transaction senders (the zero address excluded)."""
    found: set[str] = set()
    # A dense batch names the same few thousand addresses tens of thousands of times: each distinct
    # string is looked at once.
    seen: set[object] = set()

    def add(value: object) -> None:
        if isinstance(value, str) and len(value) == 42 and value.startswith("0x") and value != ZERO_ADDRESS:
            try:
                found.add(checksum(value))
            except ValueError:
                pass

    for ev in events:
        for value in (ev.address, *ev.args.values()):
            if isinstance(value, str) and value not in seen:  # args may hold lists (unhashable)
                seen.add(value)
                add(value)
    for tx in transactions:
        add(tx[_TX_FROM])
    return sorted(found)
