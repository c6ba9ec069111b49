"""`lancer bench indexer` runs the backfill in a process of its own, which reports its own peak RSS
(the kernel's high-water mark: the parent's memory is not counted, freed memory is), and indexes a
real chain into a real database from the JSON spec it is given. About 20 s (50 s on a loaded machine)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from pydantic import AnyHttpUrl
from sqlalchemy import create_engine, text

from bench.indexer import _backfill_in_child
from bench.indexer_backfill import rss
from devtools.anvil import AnvilProcess
from indexer.core.registry import load_registry
from indexer.core.settings import REPO_ROOT
from indexer.sync.types import SyncOptions
from tests.support.chainkit import deploy_platform

MB = 2**20
# Writes every page, so the memory is resident (a zeroed bytearray may not be).
ALLOCATE = "b = b'x' * ({mb} * 2**20)"


def _peak_of(code: str) -> int:
    """What ``peak_rss()`` says at the end of a fresh Python process that ran ``code``."""
    out = subprocess.run([sys.executable, "-c", f"{code}\nfrom bench.indexer_backfill import peak_rss; print(peak_rss())"],
                         capture_output=True, text=True, check=True, cwd=REPO_ROOT).stdout
    return int(out)


def test_the_peak_is_the_processs_own_high_water_mark_not_its_parents() -> None:
    held = b"y" * (300 * MB)  # the parent's memory: never counted in the child's peak
    assert rss() >= 300 * MB
    assert 0 < _peak_of("pass") < 150 * MB
    # Freed before the reading: the peak still counts it (a reading of the current RSS would not).
    assert 250 * MB <= _peak_of(ALLOCATE.format(mb=250) + "; del b") < 400 * MB
    assert len(held) == 300 * MB


def test_the_backfill_process_indexes_the_chain_and_reports_its_figures(
        anvil_factory: Callable[..., AnvilProcess], database_factory: Callable[[str], str], tmp_path: Path) -> None:
    node = anvil_factory(31337)
    platform = deploy_platform(node, tmp_path / "deployments")
    platform.transfers(30)
    url = database_factory("bench_child")
    chain = load_registry().by_id(31337).model_copy(update={"rpc_urls": [AnyHttpUrl(node.url)]})
    # Small batches, so the figures have several RSS samples.
    result = _backfill_in_child(url, chain, platform.deployment, SyncOptions(batch_events=5, initial_range=3))
    engine = create_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM events WHERE chain_id = 31337")).scalar_one()
        cursor = conn.execute(text("SELECT block_number FROM chains WHERE chain_id = 31337")).scalar_one()
    engine.dispose()
    assert result["events"] == stored >= 35  # 5 mints and 30 transfers, at least
    assert cursor == platform.w3.eth.block_number
    samples = result["samples"]
    assert len(samples) >= 3 and samples[-1][0] == result["events"]
    assert all(r > 0 for _, r in samples) and [n for n, _ in samples] == sorted(n for n, _ in samples)
    # The interpreter and the indexer's imports before the backfill; the peak counts the backfill too.
    assert 30 * MB < result["rss_before"] < result["peak_rss"]
    assert result["seconds"] > 0 and result["cpu"] > 0
