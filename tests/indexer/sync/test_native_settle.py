"""A backfill's deep batches mark their parties' native balances pending; the first batch above the
confirmed block carries those balances (read by the fetcher at its end block) and settles them in its
own transaction, so none is left pending and every snapshot equals the chain's."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, text

from indexer.sync import SyncOptions
from indexer.sync.types import Batch
from tests.support.chain_oracle import assert_native_snapshots_canonical
from tests.support.chainkit import Platform
from tests.support.indexing import chain_config, sync


def test_deep_batches_parties_settled_by_the_first_batch_above_the_confirmed_block(
        fresh_engine: Engine, platform_factory: Callable[..., Platform]) -> None:
    p = platform_factory(31337, seed=11)
    p.random_activity(40)
    chain_id = p.node.chain_id
    # Small batches and ranges: many deep batches (10 confirmations), then the last ones above.
    options = SyncOptions(initial_range=5, max_range=20, batch_events=8, poll_interval=0.05)
    settled: list[list[str]] = []

    def progress(_syncer: object, item: object) -> None:
        if isinstance(item, Batch):
            settled.append(item.settles)

    sync(fresh_engine, chain_config(p.node, confirmations=10), p, options=options, on_progress=progress)
    assert sum(1 for s in settled if s) == 1, "the first batch above the confirmed block carries them, once"
    with fresh_engine.connect() as conn:
        cursor = conn.execute(text("SELECT block_number FROM chains WHERE chain_id = :c"), {"c": chain_id}).scalar()
        pending = conn.execute(text("SELECT count(*) FROM native_balances WHERE chain_id = :c AND block_number = -1"),
                               {"c": chain_id}).scalar()
        latest = dict(conn.execute(text("""
            SELECT DISTINCT ON (holder) holder, balance FROM native_balances
             WHERE chain_id = :c AND block_number >= 0 ORDER BY holder, block_number DESC"""), {"c": chain_id}).all())
    assert pending == 0
    # Every party of the platform's activity has a snapshot, and the latest equals its balance at the cursor.
    for holder in set(p.users) | {p.admin}:
        assert int(latest[holder]) == p.w3.eth.get_balance(holder, block_identifier=cursor), holder
    assert assert_native_snapshots_canonical(fresh_engine, p) >= len(latest)
