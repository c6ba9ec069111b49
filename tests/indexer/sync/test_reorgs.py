"""Reorgs made by anvil_reorg: shallow, at the confirmation depth, deeper; during backfill and while
following the head. The index must end equal to the canonical chain, and confirmed rows must
survive shallower reorgs untouched."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine

from indexer import metrics
from indexer.sources.platform import platform_contract_set
from indexer.sync import SyncOptions
from indexer.worker import run_chain
from tests.support.chainkit import Platform
from tests.support.indexing import assert_index_matches_chain, chain_config, chain_row, snapshot, sync

CONFIRMATIONS = 5


def test_reorgs_at_head_shallow_and_deep(fresh_engine: Engine, platform_factory: Callable[..., Platform]) -> None:
    p = platform_factory(31337, seed=3)
    chain = chain_config(p.node, confirmations=CONFIRMATIONS)
    p.random_activity(40)
    sync(fresh_engine, chain, p)
    assert_index_matches_chain(fresh_engine, p)
    reorgs_before = metrics.REORGS.labels(chain=chain.name)._value.get()
    for n, depth in enumerate((1, 3, CONFIRMATIONS + 3), start=1):
        confirmed = chain_row(fresh_engine, p.node.chain_id).confirmed_block
        kept = snapshot(fresh_engine, p.node.chain_id, upto=confirmed)
        p.reorg(depth)
        sync(fresh_engine, chain, p)  # same height, new hashes: seen through the head's hash
        p.random_activity(8)
        sync(fresh_engine, chain, p)
        assert_index_matches_chain(fresh_engine, p)
        row = chain_row(fresh_engine, p.node.chain_id)
        assert row.reorg_count == n
        assert row.last_reorg_depth == depth
        if depth <= CONFIRMATIONS:
            assert snapshot(fresh_engine, p.node.chain_id, upto=confirmed) == kept
    assert metrics.REORGS.labels(chain=chain.name)._value.get() == reorgs_before + 3


def test_reorg_during_backfill(fresh_engine: Engine, platform_factory: Callable[..., Platform]) -> None:
    p = platform_factory(31337, seed=4)
    chain = chain_config(p.node, confirmations=CONFIRMATIONS)
    p.random_activity(50)
    head = p.w3.eth.block_number
    sync(fresh_engine, chain, p, stop_at_head=False, until_block=head - 4)  # backfill half done
    p.reorg(8)  # reaches below the cursor
    p.random_activity(5)
    sync(fresh_engine, chain, p)
    assert_index_matches_chain(fresh_engine, p)
    assert chain_row(fresh_engine, p.node.chain_id).reorg_count == 1


def test_reorg_while_following_head(fresh_engine: Engine, platform_factory: Callable[..., Platform]) -> None:
    p = platform_factory(31337, seed=5)
    chain = chain_config(p.node, confirmations=CONFIRMATIONS)
    p.random_activity(20)
    stop = threading.Event()
    worker = threading.Thread(target=run_chain, args=(fresh_engine, chain, platform_contract_set(p.deployment)),
                              kwargs={"stop": stop, "options": SyncOptions(initial_range=5, max_range=50,
                                                                            poll_interval=0.05)})
    worker.start()
    try:
        for depth in (1, 3, 7):
            p.random_activity(10)
            time.sleep(0.5)
            p.reorg(depth)
            p.random_activity(3)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            row = chain_row(fresh_engine, p.node.chain_id)
            if row.block_number == p.w3.eth.block_number and row.block_hash == p.w3.eth.get_block("latest")["hash"].to_0x_hex():
                break
            time.sleep(0.1)
    finally:
        stop.set()
        worker.join()
    assert_index_matches_chain(fresh_engine, p)
    assert chain_row(fresh_engine, p.node.chain_id).reorg_count >= 3
