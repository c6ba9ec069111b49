"""Read models against an indexed chain, `lancer index rebuild`, and CLI errors."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from indexer import read_models as rm
from indexer.projections import rebuild
from indexer.core.registry import ChainRegistry
from indexer.core.settings import REPO_ROOT
from tests.support.chainkit import Platform
from tests.support.indexing import assert_index_matches_chain, chain_config, snapshot, sync


def test_read_models_and_rebuild(fresh_engine: Engine, platform_factory: Callable[..., Platform]) -> None:
    p = platform_factory(31337, seed=41)
    p.random_activity(60)
    p.tx(p.treasury.functions.recordOffset(b"\x01" * 32, 1234, "https://registry.example/1"), p.admin)
    chain = chain_config(p.node, confirmations=3)
    sync(fresh_engine, chain, p)
    cid = p.node.chain_id
    with fresh_engine.connect() as conn:
        status = rm.chain_status(conn, cid)[0]
        assert status.indexed_block == p.w3.eth.block_number
        assert status.confirmed_block == status.head_block - 3
        user = p.users[0]
        latest = rm.balances(conn, cid, user, confirmed=False)[0]
        assert latest.balance == p.token.functions.balanceOf(user).call()
        confirmed = rm.balances(conn, cid, user, confirmed=True)[0]
        assert confirmed.balance == p.token.functions.balanceOf(user).call(
            block_identifier=status.confirmed_block)
        # Keyset pages: each page starts strictly after the last key of the one before.
        seen: list[tuple[int, int]] = []
        after: tuple[int, int, int] | None = None
        while True:
            rows = rm.account_transfers(conn, user, chain_id=cid, limit=2, after=after)
            page = rows[:2]
            seen += [(t.block_number, t.log_index) for t in page]
            if len(rows) <= 2:
                break
            last = page[-1]
            after = (int(last.block_time.timestamp() * 1_000_000), last.chain_id,
                     last.block_number * 1_048_576 + last.log_index)
        assert seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen) > 2
        listed: list[str] = []
        after_escrow = None
        while True:
            escrows = rm.escrow_list(conn, rm.EscrowFilter(chain_id=cid), limit=3, after=after_escrow)
            listed += [e.address for e in escrows[:3]]
            if len(escrows) <= 3:
                break
            last_escrow = escrows[2]
            after_escrow = (last_escrow.created_at, last_escrow.chain_id, last_escrow.address)
        assert sorted(listed) == sorted(p.canonical_escrows())
        detail = rm.escrow_detail(conn, cid, listed[0])
        assert detail is not None and detail.timeline[0].event_name == "EscrowCreated"
        assert detail.escrow.locked == p.escrow(listed[0]).functions.locked().call()
        treasury = rm.treasury(conn, cid, confirmed_only=False)
        assert [s.bps for s in treasury.splits] == [5000, 3000, 2000]
        assert treasury.offsets[0].grams_co2e == 1234
        assert sum(i.amount for i in treasury.inflows) == sum(
            p.escrow(e).functions.totals().call()[3] for e in p.canonical_escrows())
        g = rm.gas(conn, cid, escrow=listed[0])
        assert g.transactions >= 1 and g.gas_used > 0
    before = snapshot(fresh_engine, cid)
    with fresh_engine.begin() as conn:
        assert rebuild(conn, cid) == len(before["events"])
    assert snapshot(fresh_engine, cid) == before
    assert_index_matches_chain(fresh_engine, p)


def _lancer(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scripts.cli", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, env=env or dict(os.environ), timeout=60)


def test_cli_bad_input_is_one_line(database_url: str, tmp_path: Path) -> None:
    env = dict(os.environ, DATABASE_URL=database_url, DEPLOYMENTS_DIR=str(tmp_path))
    r = _lancer("index", "--chain", "nope", env=env)
    assert r.returncode == 2 and "unknown chain" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = _lancer("index", "--chain", "anvil-1", env=env)
    assert r.returncode == 2 and "no deployment" in r.stderr
    r = _lancer("index", "rebuild", "--chain", "nope", env=env)
    assert r.returncode == 2


def test_cli_rebuild_and_bad_database(fresh_engine: Engine, platform_factory: Callable[..., Platform],
                                      tmp_path: Path) -> None:
    p = platform_factory(31337, seed=42)
    p.random_activity(10)
    chain = chain_config(p.node, name="cli")
    sync(fresh_engine, chain, p)
    env = dict(os.environ, DATABASE_URL=fresh_engine.url.render_as_string(hide_password=False),
               CHAIN_REGISTRY_JSON=ChainRegistry(chains=[chain]).model_dump_json(),
               DEPLOYMENTS_DIR=str(tmp_path / "deployments"))
    r = _lancer("index", "rebuild", "--chain", "cli", env=env)
    assert r.returncode == 0, r.stderr
    assert "rebuilt projections" in r.stdout
    assert_index_matches_chain(fresh_engine, p)
    env["DATABASE_URL"] = "postgresql+psycopg://postgres@127.0.0.1:1/none"
    r = _lancer("index", "--chain", "cli", env=env)
    assert r.returncode == 2 and "cannot connect" in r.stderr
    env["DATABASE_URL"] = "mysql://x"
    r = _lancer("index", "--chain", "cli", env=env)
    assert r.returncode == 2
