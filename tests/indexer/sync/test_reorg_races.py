"""Deterministic regressions of reorgs racing the indexer's reads (issue 10), driven through a
pass-through proxy that injects ``anvil_reorg`` at an exact point of the indexer's conversation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from indexer import metrics, read_models
from indexer.sync import SyncOptions
from tests.support.chain_oracle import assert_native_snapshots_canonical, reorg_tx
from tests.support.chainkit import Platform
from tests.support.faulty_rpc import FaultyProxy
from tests.support.indexing import assert_index_matches_chain, chain_config, chain_row, sync
from tests.support.reorg_proxy import ReorgProxy, block_numbers, log_ranges

CONFIRMATIONS = 5


def test_reorg_between_logs_and_headers_loses_no_event(fresh_engine: Engine,
                                                       platform_factory: Callable[..., Platform]) -> None:
    """Empty blocks, whose logs were read, replaced by blocks with a mint before their headers are."""
    p = platform_factory(31337, seed=11)
    p.random_activity(5)
    with ReorgProxy(p.node.url) as proxy:
        chain = chain_config(p.node, confirmations=CONFIRMATIONS, urls=[proxy.url])
        sync(fresh_engine, chain, p)
        first = chain_row(fresh_engine, p.node.chain_id).block_number + 1
        depth = 3
        p.node.mine(depth)
        last = first + depth - 1
        holder = p.users[0]
        mint = reorg_tx(p, p.token.functions.mint(holder, 7 * 10**18), p.admin)
        state: dict[str, Any] = {"logs_read": False, "done": False}

        def hook(phase: str, calls: list[dict[str, Any]]) -> None:
            if state["done"]:
                return
            if phase == "after" and any(a <= first and b >= last for a, b in log_ranges(calls)):
                state["logs_read"] = True
            elif phase == "before" and state["logs_read"] and block_numbers(calls) & set(range(first, last + 1)):
                state["done"] = True
                proxy.upstream_call("anvil_reorg", [depth, [[mint, 0]]])

        proxy.hooks.append(hook)
        faults_before = metrics.RPC_ERRORS.labels(chain=chain.name, kind="invalid")._value.get()
        sync(fresh_engine, chain, p)
    assert state["done"], "the reorg was never injected"
    assert_index_matches_chain(fresh_engine, p)  # the mint's balance is there
    # A reorg racing a read is not the node's fault.
    assert metrics.RPC_ERRORS.labels(chain=chain.name, kind="invalid")._value.get() == faults_before


def test_native_snapshot_of_an_orphaned_branch_is_never_served(fresh_engine: Engine,
                                                                platform_factory: Callable[..., Platform]) -> None:
    """A snapshot taken at the head deep in a backfill, whose block a reorg then replaced."""
    p = platform_factory(31337, seed=12)
    chain = chain_config(p.node, confirmations=CONFIRMATIONS)
    sync(fresh_engine, chain, p)
    cursor = chain_row(fresh_engine, p.node.chain_id).block_number
    x = p.w3.eth.accounts[8]
    p.tx(p.token.functions.mint(x, 10**18), p.admin)  # x becomes a party of the next batch
    p.node.mine(300)
    spent = p.w3.eth.send_transaction({"from": x, "to": p.admin, "value": 5 * 10**18})
    p.w3.eth.wait_for_transaction_receipt(spent)
    p.node.mine(2)
    small = SyncOptions(initial_range=100, max_range=100, probe_range=100, poll_interval=0.05)
    sync(fresh_engine, chain, p, stop_at_head=False, until_block=cursor + 1, options=small)
    assert chain_row(fresh_engine, p.node.chain_id).block_number < p.w3.eth.block_number - 100
    p.node.rpc("anvil_reorg", [4, []])  # x's payment is gone from the canonical chain
    sync(fresh_engine, chain, p)
    with fresh_engine.connect() as conn:
        indexed = chain_row(fresh_engine, p.node.chain_id).block_number
        served = read_models.native_balance(conn, p.node.chain_id, x, indexed)
    if served is not None:
        assert served.balance == p.w3.eth.get_balance(x, served.as_of_block)
    assert_native_snapshots_canonical(fresh_engine, p)


def test_node_omitting_logs_is_caught_by_the_blooms_and_counted_as_a_fault(
        fresh_engine: Engine, platform_factory: Callable[..., Platform]) -> None:
    p = platform_factory(31337, seed=13)
    p.random_activity(15)
    head = p.w3.eth.block_number
    omitted = p.w3.eth.get_transaction_receipt(p.w3.eth.get_block(head - 2)["transactions"][0])["blockNumber"]
    with FaultyProxy(p.node.url, seed=1, drop=0, delay=0, rate_limit=0, max_log_range=10_000,
                     omit_block=omitted, omissions=2) as proxy:
        chain = chain_config(p.node, confirmations=CONFIRMATIONS, urls=[proxy.url], name="omitting")
        before = metrics.RPC_ERRORS.labels(chain=chain.name, kind="invalid")._value.get()
        sync(fresh_engine, chain, p)
    assert proxy.counts["omit"] == 2
    assert metrics.RPC_ERRORS.labels(chain=chain.name, kind="invalid")._value.get() >= before + 2
    assert_index_matches_chain(fresh_engine, p)
    assert_native_snapshots_canonical(fresh_engine, p)
