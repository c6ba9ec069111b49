"""Dense ranges are cut into batches of about ``batch_events`` events, between blocks, covering the
range without gaps, each with the log hashes of its own blocks."""

from __future__ import annotations

from datetime import UTC, datetime

from indexer.sources.spec import ContractSet
from indexer.decode import DecodedEvent
from indexer.core.registry import load_registry
from indexer.rpc import RpcClient
from indexer.sync import ChainReader, SyncOptions, Tip


def _event(block: int, index: int) -> DecodedEvent:
    return DecodedEvent(chain_id=1, block_number=block, block_hash=f"0x{block:064x}", block_time=datetime.now(UTC),
                        tx_hash="0x" + "11" * 32, tx_index=0, log_index=index, address="0x" + "22" * 20,
                        contract="LancerToken", event_name="Transfer", args={})


def test_cut_between_blocks() -> None:
    chain = load_registry().by_id(31337)
    reader = ChainReader(chain, ContractSet(chain_id=1, contracts=()), RpcClient(["http://127.0.0.1:1"]),
                         SyncOptions(batch_events=3))
    # Blocks 10..19; 2 events in each even block.
    events = [_event(b, i) for b in range(10, 20, 2) for i in range(2)]
    hashes = sorted((ev.block_number, ev.block_hash) for ev in events)
    chunks = reader._cut(10, 25, events, hashes, Tip(head=30, head_hash="0x"))
    assert [(c.start, c.end) for c in chunks] == [(10, 12), (13, 16), (17, 25)]
    assert [len(c.events) for c in chunks] == [4, 4, 2]
    for chunk in chunks:
        assert all(chunk.start <= ev.block_number <= chunk.end for ev in chunk.events)
        assert [h for h, _ in chunk.log_hashes] == [ev.block_number for ev in chunk.events]
    # No events: one chunk for the whole range; a single dense block is never split, and the empty
    # blocks after it stay in its chunk (no batch of nothing).
    assert [(c.start, c.end) for c in reader._cut(5, 9, [], [], Tip(head=30, head_hash="0x"))] == [(5, 9)]
    dense = [_event(7, i) for i in range(10)]
    assert [(c.start, c.end, len(c.events)) for c in reader._cut(5, 9, dense, [], Tip(head=30, head_hash="0x"))] \
        == [(5, 9, 10)]


def _reader(batch_events: int) -> ChainReader:
    chain = load_registry().by_id(31337)
    return ChainReader(chain, ContractSet(chain_id=1, contracts=()), RpcClient(["http://127.0.0.1:1"]),
                       SyncOptions(batch_events=batch_events))


def test_cut_ramps_up_at_the_start_and_down_at_the_head() -> None:
    reader = _reader(80)  # smallest chunk: 80 / 8 = 10 events
    events = [_event(b, 0) for b in range(1000, 1400)]  # one event per block
    hashes = [(ev.block_number, ev.block_hash) for ev in events]
    deep = Tip(head=5000, head_hash="0x")
    # A pipeline's first chunks: 1/8, 1/4, 1/2 of a batch, then whole batches.
    sizes = [len(c.events) for c in reader._cut(1000, 1399, events, hashes, deep, made=0)]
    assert sizes == [10, 20, 40, 80, 80, 80, 80, 10]
    # Later ranges are cut into whole batches from their start.
    assert [len(c.events) for c in reader._cut(1000, 1399, events, hashes, deep, made=5)] == [80] * 5
    # A range that ends at the head: the last chunks halve what is left, down to the smallest.
    at_head = Tip(head=1399, head_hash="0x")
    sizes = [len(c.events) for c in reader._cut(1000, 1399, events, hashes, at_head, made=5)]
    assert sizes == [80, 80, 80, 80, 40, 20, 10, 10]
    # Without ``made`` (no pipeline), every chunk is a whole batch.
    assert [len(c.events) for c in reader._cut(1000, 1399, events, hashes, at_head)] == [80] * 5
    for made in (None, 0, 5):
        chunks = reader._cut(1000, 1399, events, hashes, at_head, made=made)
        assert chunks[0].start == 1000 and chunks[-1].end == 1399
        assert all(a.end + 1 == b.start for a, b in zip(chunks, chunks[1:]))
        assert sum(len(c.events) for c in chunks) == len(events)


def test_cut_keeps_a_small_remainder_with_the_chunk_before() -> None:
    reader = _reader(80)
    events = [_event(b, 0) for b in range(0, 165)]  # two batches and 5 events (< 10, the smallest)
    hashes = [(ev.block_number, ev.block_hash) for ev in events]
    chunks = reader._cut(0, 200, events, hashes, Tip(head=5000, head_hash="0x"))
    assert [(c.start, c.end, len(c.events)) for c in chunks] == [(0, 79, 80), (80, 200, 85)]
