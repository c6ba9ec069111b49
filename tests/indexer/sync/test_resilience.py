"""Faulty RPC, crashes (SIGKILL) and two workers on one chain."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text

from indexer import metrics
from indexer.sources.platform import platform_contract_set
from indexer.core.registry import ChainRegistry
from indexer.core.settings import REPO_ROOT
from indexer.sync import SyncOptions
from indexer.worker import run_chain
from tests.support.chainkit import Platform
from tests.support.indexing import assert_index_matches_chain, chain_config, chain_row, snapshot, sync
from tests.support.faulty_rpc import FaultyProxy


def _errors(chain: str, kind: str) -> float:
    return metrics.RPC_ERRORS.labels(chain=chain, kind=kind)._value.get()


def test_faulty_rpc_converges_and_reports(fresh_engine: Engine, platform_factory: Callable[..., Platform]) -> None:
    p = platform_factory(31337, seed=11)
    p.random_activity(40)
    # The lie targets a block with events, so it shows up in getLogs answers.
    lie_block = p.w3.eth.get_transaction_receipt(
        p.w3.eth.get_block(p.w3.eth.block_number - 3)["transactions"][0])["blockNumber"]
    with FaultyProxy(p.node.url, seed=3, lie_block=lie_block, delay_seconds=0.6) as proxy:
        chain = chain_config(p.node, urls=[proxy.url], name="faulty")
        kinds = ("rate_limited", "range_too_large", "invalid", "connection", "timeout")
        before = {k: _errors(chain.name, k) for k in kinds}
        sync(fresh_engine, chain, p, rpc_timeout=0.4,
             options=SyncOptions(initial_range=50, max_range=200, poll_interval=0.05))
        assert_index_matches_chain(fresh_engine, p)
        after = {k: _errors(chain.name, k) for k in kinds}
    assert proxy.counts["lie"] >= 1 and proxy.counts["range"] >= 1
    for kind in ("rate_limited", "range_too_large", "invalid"):
        assert after[kind] > before[kind], kind
    assert after["connection"] + after["timeout"] > before["connection"] + before["timeout"]


def _run_cli(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "indexer.cli", *args], env=env, cwd=REPO_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_sigkill_at_random_points_loses_and_duplicates_nothing(
    fresh_engine: Engine, database_factory: Callable[[str], str], platform_factory: Callable[..., Platform],
    tmp_path: Path,
) -> None:
    p = platform_factory(31337, seed=21)
    p.random_activity(80)
    chain = chain_config(p.node, name="crashy")
    env = dict(os.environ, DATABASE_URL=fresh_engine.url.render_as_string(hide_password=False),
               CHAIN_REGISTRY_JSON=ChainRegistry(chains=[chain]).model_dump_json(),
               DEPLOYMENTS_DIR=str(tmp_path / "deployments"), LOG_LEVEL="WARNING")
    rng = random.Random(5)
    kills = 0
    head = p.w3.eth.block_number
    for _ in range(5):
        proc = _run_cli(env, "--chain", "crashy", "--max-range", "2", "--no-progress", "--stop-at-head")
        # Kill at a random point of the sync: once the cursor passed a random block (or a random delay).
        target = rng.randint(0, head)
        deadline = time.monotonic() + rng.uniform(1.0, 6.0)
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                if chain_row(fresh_engine, p.node.chain_id).block_number >= target:
                    break
            except Exception:
                pass  # no chains row yet
            time.sleep(0.01)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    proc = _run_cli(env, "--chain", "crashy", "--max-range", "3", "--no-progress", "--stop-at-head")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert kills >= 1
    # The same chain indexed without interruption, into another database.
    from indexer.core.db import make_engine

    clean = make_engine(database_factory("uninterrupted"))
    sync(clean, chain, p)
    assert snapshot(fresh_engine, p.node.chain_id) == snapshot(clean, p.node.chain_id)
    clean.dispose()
    assert_index_matches_chain(fresh_engine, p)


def test_sigterm_stops_cleanly(fresh_engine: Engine, platform_factory: Callable[..., Platform], tmp_path: Path) -> None:
    p = platform_factory(31337, seed=22)
    p.random_activity(20)
    chain = chain_config(p.node, name="termy")
    env = dict(os.environ, DATABASE_URL=fresh_engine.url.render_as_string(hide_password=False),
               CHAIN_REGISTRY_JSON=ChainRegistry(chains=[chain]).model_dump_json(),
               DEPLOYMENTS_DIR=str(tmp_path / "deployments"), LOG_LEVEL="WARNING")
    proc = _run_cli(env, "--chain", "termy", "--no-progress")  # follows the head forever
    # Signal once it is following the head (its handlers are installed by then, however slow the start).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        with fresh_engine.connect() as conn:
            done = conn.execute(text("SELECT block_number FROM chains WHERE chain_id = :c"),
                                {"c": p.node.chain_id}).scalar()
        if done == p.w3.eth.block_number:
            break
        time.sleep(0.2)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert chain_row(fresh_engine, p.node.chain_id).block_number == p.w3.eth.block_number


def test_two_workers_only_one_writes(fresh_engine: Engine, platform_factory: Callable[..., Platform]) -> None:
    p = platform_factory(31337, seed=31)
    p.random_activity(15)
    chain = chain_config(p.node)
    cs = platform_contract_set(p.deployment)
    options = SyncOptions(initial_range=5, max_range=50, poll_interval=0.05)
    wrote: dict[str, int] = {"a": 0, "b": 0}
    stops = {"a": threading.Event(), "b": threading.Event()}

    def worker(name: str) -> None:
        def progress(_syncer: object, _item: object) -> None:
            wrote[name] += 1
        run_chain(fresh_engine, chain, cs, stop=stops[name], options=options, on_progress=progress)

    a = threading.Thread(target=worker, args=("a",))
    a.start()
    time.sleep(1.0)
    b = threading.Thread(target=worker, args=("b",))
    b.start()
    p.random_activity(10)
    time.sleep(1.5)
    assert wrote["a"] > 0 and wrote["b"] == 0  # b waits on the lock
    stops["a"].set()
    a.join()
    p.random_activity(10)  # b takes over
    deadline = time.monotonic() + 20
    while chain_row(fresh_engine, p.node.chain_id).block_number < p.w3.eth.block_number:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    stops["b"].set()
    b.join()
    assert wrote["b"] > 0
    assert_index_matches_chain(fresh_engine, p)
    sync(fresh_engine, chain, p)
