"""Indexer test helpers: a chain config for a test anvil, a sync to the head, and checks comparing the
index with the chain's own views."""

from __future__ import annotations

import threading
from typing import Any

from pydantic import AnyHttpUrl
from sqlalchemy import Engine, text

from devtools.anvil import AnvilProcess
from indexer.core.registry import ChainConfig, Finality, load_registry
from indexer.core.vocabulary import MilestoneStatus
from indexer.sources.platform import platform_contract_set
from indexer.sync import SyncOptions, SyncStats
from indexer.worker import run_chain
from tests.support.chainkit import Platform


def chain_config(node: AnvilProcess, confirmations: int = 2, urls: list[str] | None = None,
                 name: str | None = None) -> ChainConfig:
    base = load_registry().by_id(31337)
    return base.model_copy(update={
        "chain_id": node.chain_id, "name": name or f"anvil-{node.chain_id}",
        "rpc_urls": [AnyHttpUrl(u) for u in (urls or [node.url])],
        "finality": Finality(confirmations=confirmations), "block_time_seconds": 0.2,
    })


def sync(engine: Engine, chain: ChainConfig, platform: Platform, **kwargs: Any) -> SyncStats | None:
    options = kwargs.pop("options", None) or SyncOptions(initial_range=20, max_range=200, poll_interval=0.05)
    return run_chain(engine, chain, platform_contract_set(platform.deployment), stop=kwargs.pop("stop", None)
                     or threading.Event(), options=options, stop_at_head=kwargs.pop("stop_at_head", True), **kwargs)


def assert_index_matches_chain(engine: Engine, platform: Platform) -> None:
    """Balances, escrow totals and milestones in the index equal the contracts' own views."""
    chain_id = platform.node.chain_id
    w3 = platform.w3
    with engine.connect() as conn:
        balances = {r.holder: int(r.balance) for r in conn.execute(text(
            "SELECT holder, balance FROM token_balances WHERE chain_id = :c"), {"c": chain_id})}
        escrows = {r.address: r for r in conn.execute(text(
            "SELECT * FROM escrows WHERE chain_id = :c"), {"c": chain_id})}
        milestones = {(r.escrow, r.index): r for r in conn.execute(text(
            "SELECT * FROM escrow_milestones WHERE chain_id = :c"), {"c": chain_id})}
        # When each escrow completed and each milestone closed, straight from the raw events.
        completed_at = dict(conn.execute(text("""
            SELECT address, max(block_time) FROM events WHERE chain_id = :c AND event_name = 'Completed'
             GROUP BY address"""), {"c": chain_id}).all())
        closed_at = {(r.address, int(r.idx)): r.closed for r in conn.execute(text("""
            SELECT address, args->>'index' AS idx, max(block_time) AS closed FROM events WHERE chain_id = :c
               AND event_name IN ('MilestoneReleased', 'DisputeResolved', 'MilestoneRefunded')
             GROUP BY address, args->>'index'"""), {"c": chain_id})}
    holders = set(platform.users) | {platform.admin, platform.treasury.address} | set(platform.canonical_escrows())
    for h in holders:
        assert balances.get(h, 0) == platform.token.functions.balanceOf(h).call(), h
    canonical = platform.canonical_escrows()
    assert set(escrows) == set(canonical)
    for address in canonical:
        esc = platform.escrow(address)
        row = escrows[address]
        funded, released, refunded, fees = esc.functions.totals().call()
        assert (int(row.funded_amount), int(row.released), int(row.refunded), int(row.fees)) == (
            funded, released, refunded, fees), address
        assert row.accepted == esc.functions.accepted().call()
        assert row.completed == esc.functions.completed().call()
        assert row.completed_at == completed_at.get(address) and (row.completed_at is not None) == row.completed
        assert row.fee_bps == esc.functions.feeBps().call()
        for i in range(esc.functions.milestoneCount().call()):
            amount, status, _submitted, deliverable = esc.functions.milestone(i).call()
            m = milestones[(address, i)]
            assert (int(m.amount), m.status) == (amount, status), (address, i)
            assert m.closed_at == closed_at.get((address, i)), (address, i)
            closed = status in (MilestoneStatus.RELEASED, MilestoneStatus.RESOLVED, MilestoneStatus.REFUNDED)
            assert (m.closed_at is not None) == closed, (address, i)
    assert w3.eth.block_number >= 0


def snapshot(engine: Engine, chain_id: int, upto: int | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every indexed row of a chain (optionally only rows at or below block ``upto``), sorted."""
    queries = {
        "events": "SELECT block_number, block_hash, log_index, tx_hash, address, event_name, args::text FROM events",
        "transactions": "SELECT tx_hash, block_number, block_hash, gas_used, effective_gas_price FROM transactions",
        "token_transfers": "SELECT block_number, log_index, from_address, to_address, value FROM token_transfers",
        "treasury_inflows": "SELECT block_number, log_index, token, amount, escrow FROM treasury_inflows",
        "treasury_distributions": "SELECT block_number, log_index, to_address, amount, kind FROM treasury_distributions",
    }
    if upto is None:
        queries |= {
            "token_balances": "SELECT token, holder, balance, block_number FROM token_balances",
            "escrows": "SELECT address, status, funded_amount, released, refunded, fees, block_number FROM escrows",
            "escrow_milestones": "SELECT escrow, index, status, to_freelancer, to_client, fee FROM escrow_milestones",
        }
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name, sql in queries.items():
            where = " WHERE chain_id = :c" + (" AND block_number <= :u" if upto is not None else "")
            out[name] = sorted(tuple(r) for r in conn.execute(text(sql + where), {"c": chain_id, "u": upto}))
    return out


def chain_row(engine: Engine, chain_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(text("SELECT * FROM chains WHERE chain_id = :c"), {"c": chain_id}).one()
