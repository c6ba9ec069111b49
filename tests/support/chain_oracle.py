"""The whole-index-equals-chain check: everything the index holds for a chain, up to its cursor,
compared with what the canonical chain says (the node asked directly, never through the indexer).

Used by the reorg regressions and the randomized reorg/kill test (tests/indexer/test_reorg_fuzz.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from indexer.decode import event_topics
from indexer.sources.platform import platform_contract_set
from tests.support.chainkit import Platform
from tests.support.economy_chain import assert_economy_index_matches_chain
from tests.support.indexing import assert_index_matches_chain


def reorg_tx(platform: Platform, fn: Any, sender: str, value: int = 0) -> dict[str, str]:
    """A contract call as an ``anvil_reorg`` transaction (anvil signs it: its accounts are unlocked)."""
    data = fn.build_transaction({"from": sender, "gas": 500_000, "value": value})["data"]
    return {"from": sender, "to": fn.address, "data": data, "gas": hex(500_000), "value": hex(value)}


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def _canonical_hashes(platform: Platform, numbers: list[int]) -> dict[int, str]:
    calls = [{"jsonrpc": "2.0", "id": i, "method": "eth_getBlockByNumber", "params": [hex(n), False]}
             for i, n in enumerate(numbers)]
    out: dict[int, str] = {}
    for start in range(0, len(calls), 500):
        replies = platform.w3.provider.make_batch_request(  # type: ignore[attr-defined]
            [(c["method"], c["params"]) for c in calls[start:start + 500]])
        for n, reply in zip(numbers[start:start + 500], replies, strict=True):
            block = reply.get("result") if isinstance(reply, dict) else None
            out[n] = block["hash"] if block else ""
    return out


def assert_native_snapshots_canonical(engine: Engine, platform: Platform) -> int:
    """Every snapshot the read models can serve (at or below the cursor) is of a canonical block and
    equals the node's balance there. Returns how many were checked."""
    chain_id = platform.node.chain_id
    cursor = _rows(engine, "SELECT block_number FROM chains WHERE chain_id = :c", c=chain_id)[0].block_number
    served = _rows(engine, """
        SELECT n.holder, n.block_number, n.balance, b.hash FROM native_balances n
          JOIN blocks b ON b.chain_id = n.chain_id AND b.number = n.block_number AND b.hash = n.block_hash
         WHERE n.chain_id = :c AND n.block_number <= :u""", c=chain_id, u=cursor)
    hashes = _canonical_hashes(platform, sorted({r.block_number for r in served}))
    for r in served:
        assert r.hash == hashes[r.block_number], f"snapshot of {r.holder} at orphaned block {r.block_number}"
        chain_balance = platform.w3.eth.get_balance(r.holder, block_identifier=r.hash)
        assert int(r.balance) == chain_balance, (r.holder, r.block_number)
    return len(served)


def assert_whole_index_equals_chain(engine: Engine, platform: Platform, *, reorgs_injected: int | None = None) -> None:
    """Events, transactions, derived rows, balances, escrows and milestones, treasury, token economy,
    native snapshots, block hashes and reorg counters of the index against the canonical chain."""
    chain_id = platform.node.chain_id
    w3 = platform.w3
    chain = _rows(engine, "SELECT * FROM chains WHERE chain_id = :c", c=chain_id)[0]
    cursor = chain.block_number
    # Block hashes: every stored block up to the cursor is canonical (the cursor's own included).
    stored = _rows(engine, "SELECT number, hash FROM blocks WHERE chain_id = :c AND number <= :u", c=chain_id, u=cursor)
    hashes = _canonical_hashes(platform, [r.number for r in stored])
    bad = [(r.number, r.hash[:10], hashes[r.number][:10]) for r in stored if r.hash != hashes[r.number]]
    assert not bad, f"orphaned blocks kept: {bad[:5]}"
    assert chain.block_hash == _canonical_hashes(platform, [cursor])[cursor]
    assert not _rows(engine, "SELECT 1 FROM blocks WHERE chain_id = :c AND number > :u", c=chain_id, u=cursor)

    # Events: exactly the canonical logs of followed contracts (known events) up to the cursor.
    contract_set = platform_contract_set(platform.deployment)
    addresses = [c.address for c in contract_set.contracts] + platform.canonical_escrows()
    known = {t for c in contract_set.contracts for t in event_topics(c.abi)}
    known |= {t for ch in contract_set.children for t in event_topics(ch.abi)}
    start = contract_set.start_block
    expected = set()
    if cursor >= start:
        for entry in w3.eth.get_logs({"fromBlock": start, "toBlock": cursor, "address": addresses}):
            if entry["topics"] and entry["topics"][0].to_0x_hex() in known:
                expected.add((entry["blockNumber"], entry["blockHash"].to_0x_hex(), entry["logIndex"],
                              entry["transactionHash"].to_0x_hex()))
    indexed = {(r.block_number, r.block_hash, r.log_index, r.tx_hash) for r in _rows(
        engine, "SELECT block_number, block_hash, log_index, tx_hash FROM events WHERE chain_id = :c", c=chain_id)}
    assert indexed == expected, (f"events differ: missing {sorted(expected - indexed)[:5]}, "
                                 f"extra {sorted(indexed - expected)[:5]}")

    # Transactions: one per event transaction, in the block the events name.
    txs = {(r.tx_hash, r.block_number, r.block_hash) for r in _rows(
        engine, "SELECT tx_hash, block_number, block_hash FROM transactions WHERE chain_id = :c", c=chain_id)}
    assert txs == {(tx, n, h) for n, h, _, tx in expected}

    # Derived per-log rows (transfers, treasury) all stand on an indexed event.
    positions = {(n, i) for n, _, i, _ in expected}
    for table in ("token_transfers", "treasury_inflows", "treasury_distributions", "treasury_splits"):
        rows = _rows(engine, f"SELECT block_number, log_index FROM {table} WHERE chain_id = :c", c=chain_id)
        stray = [(r.block_number, r.log_index) for r in rows if (r.block_number, r.log_index) not in positions]
        assert not stray, f"{table} rows without a canonical event: {stray[:5]}"
    transfers = _rows(engine, """SELECT count(*) AS n FROM events WHERE chain_id = :c AND event_name = 'Transfer'
                                   AND address = :a""", c=chain_id, a=platform.token.address)[0].n
    assert transfers == _rows(engine, "SELECT count(*) AS n FROM token_transfers WHERE chain_id = :c", c=chain_id)[0].n

    # Balances, escrows, milestones against the contracts' views (at the chain's head: valid once
    # the index caught up, which the callers ensure).
    if cursor == w3.eth.block_number:
        assert_index_matches_chain(engine, platform)
    # Token economy (rewards, staking, votes): one row per canonical event; at the head, the contracts' views.
    assert_economy_index_matches_chain(engine, platform)
    assert_native_snapshots_canonical(engine, platform)
    if reorgs_injected is not None:
        assert 0 <= chain.reorg_count <= reorgs_injected
