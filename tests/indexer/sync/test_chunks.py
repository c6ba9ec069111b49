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
    # No events: one chunk for the whole range; a single dense block is never split.
    assert [(c.start, c.end) for c in reader._cut(5, 9, [], [], Tip(head=30, head_hash="0x"))] == [(5, 9)]
    dense = [_event(7, i) for i in range(10)]
    assert [(c.start, c.end, len(c.events)) for c in reader._cut(5, 9, dense, [], Tip(head=30, head_hash="0x"))] \
        == [(5, 7, 10), (8, 9, 0)]
