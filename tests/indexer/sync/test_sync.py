"""End-to-end indexing against real anvil chains and a real PostgreSQL database."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Engine, text

from tests.support.chainkit import Platform
from tests.support.indexing import assert_index_matches_chain, chain_config, sync


def test_two_chains_match_contract_state(fresh_engine: Engine, platform_factory: Callable[..., Platform]) -> None:
    platforms = [platform_factory(31337, seed=7), platform_factory(31338, seed=8)]
    for p in platforms:
        p.random_activity(60)
    # Both chains at once, as `lancer index --all` runs them: one thread per chain.
    threads = [threading.Thread(target=sync, args=(fresh_engine, chain_config(p.node), p)) for p in platforms]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in platforms:
        assert_index_matches_chain(fresh_engine, p)
    # More activity while the index follows: incremental batches give the same answer.
    for p in platforms:
        p.random_activity(40)
        sync(fresh_engine, chain_config(p.node), p)
        assert_index_matches_chain(fresh_engine, p)
    with fresh_engine.connect() as conn:
        n_tx = conn.execute(text("SELECT count(*) FROM transactions WHERE gas_used > 0")).scalar()
        bad = conn.execute(text(
            "SELECT count(*) FROM events e LEFT JOIN transactions t USING (chain_id, tx_hash) WHERE t.tx_hash IS NULL"
        )).scalar()
    assert n_tx and n_tx > 0
    assert bad == 0
