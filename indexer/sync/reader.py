"""Everything read from the node for one range, checked for consistency on the way: the tip, the
logs of the followed contracts (decoded, children discovered in the same range, cut into chunks),
then per chunk its headers, enrichments, receipts and native balances."""

from __future__ import annotations

from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from indexer.core.addresses import ZERO_ADDRESS, checksum
from indexer.core.registry import ChainConfig
from indexer.decode import DecodedEvent, EventDecoder, MalformedLog
from indexer.rpc import eth
from indexer.rpc.client import RpcClient
from indexer.rpc.errors import InvalidResponse, RpcError
from indexer.rpc.eth import Header, Receipt
from indexer.sources.spec import ContractSet
from indexer.sync.filters import LogFilters
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

    def scan(self, start: int, end: int, tip: Tip, children: dict[str, str]) -> list[Chunk]:
        """The logs of blocks ``start..end``, decoded and cut into chunks; ``children`` grows with the
        children created in the range."""
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
        return self._cut(start, end, events, log_hashes, tip)

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
        """Headers and receipts of a chunk, everything checked against the headers."""
        start, end, events = chunk.start, chunk.end, chunk.events
        # In the unconfirmed window every header is fetched and the parent chain checked; deeper down
        # only the range ends and the blocks with events (the node's finality vouches for the rest).
        full = end > self.confirmed(chunk.tip)
        # Every log's block is fetched, not only the blocks of decoded events: each log's hash is checked.
        numbers = set(range(start, end + 1)) if full else {start, end} | {n for n, _ in chunk.log_hashes}
        headers = self.headers(sorted(numbers))
        for number, block_hash in chunk.log_hashes:
            if headers[number].hash != block_hash:
                raise InvalidResponse(f"log of block {number} names hash {block_hash[:12]}, "
                                      f"the block is {headers[number].hash[:12]}")
        if full:
            for n in range(start + 1, end + 1):
                if headers[n].parent_hash != headers[n - 1].hash:
                    raise InvalidResponse(f"headers {n - 1}-{n} do not chain (reorg while reading?)")
        times = {n: h.time for n, h in headers.items()}
        for ev in events:
            ev.block_time = times[ev.block_number]
        for enrich in self.contract_set.enrichers:
            enrich(self.rpc, events)
        transactions = self.receipts(events, headers) if events else []
        # Most nodes prune old state (and a loaded anvil state has none), so deep in a backfill the
        # balances are read at the head the node reported; each snapshot records the block it is as of.
        native_block = end if full else chunk.tip.head
        natives = (eth.balances(self.rpc, parties(events, transactions), native_block, self.options.receipt_batch)
                   if events else {})
        return Batch(start, end, headers, events, event_rows(events), transaction_rows(transactions),
                     chunk.tip, natives, native_block)

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

    def add(value: object) -> None:
        if isinstance(value, str) and len(value) == 42 and value.startswith("0x") and value != ZERO_ADDRESS:
            try:
                found.add(checksum(value))
            except ValueError:
                pass

    for ev in events:
        add(ev.address)
        for value in ev.args.values():
            add(value)
    for tx in transactions:
        add(tx[_TX_FROM])
    return sorted(found)
