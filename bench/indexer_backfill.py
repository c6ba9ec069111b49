"""The backfill of `lancer bench indexer`, in a process of its own.

Its peak RSS is then the indexer's alone, as a `lancer index` process would have it: the bench's own
process also holds web3, the workload's build and the floor's getLogs answers (a 250k-log range at
``--scale 10``), which freed Python memory does not give back to the OS. The peak is the kernel's
high-water mark of this process (``VmHWM``, read at the end: not sampled, so nothing between two
samples is missed); RSS is also sampled after each batch, to show whether it grows with the events.

Run by ``bench.indexer`` as ``python -m bench.indexer_backfill SPEC RESULT``: SPEC a JSON file
(database URL, chain, deployment, sync options), RESULT where the figures go (JSON). This module
imports only the indexer, not the bench's web3 tooling.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from indexer.sync.types import SyncOptions


def rss() -> int:
    """Current resident set of this process, in bytes (0 where /proc is missing)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def peak_rss() -> int:
    """Peak resident set of this process since it started (``VmHWM``), in bytes; 0 where /proc is missing.

    Read by the process itself: its parent's ``wait4``/``RUSAGE_CHILDREN`` ``ru_maxrss`` would not do,
    as Linux carries into it the RSS of the process it was forked from (the bench's, at fork time)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def spec(url: str, chain: Any, deployment: Any, options: SyncOptions) -> dict[str, Any]:
    """What the child needs, as JSON: the scratch database, the chain config, the deployment, options."""
    return {"url": url, "chain": chain.model_dump(mode="json"), "deployment": deployment.model_dump(mode="json"),
            "options": asdict(options)}


def backfill(spec: dict[str, Any]) -> dict[str, Any]:
    """Index the chain to its head; the figures: events, seconds, CPU seconds of this process during
    the backfill, RSS before it, peak RSS, and (events written, RSS) after each batch."""
    from indexer.core.db import make_engine
    from indexer.core.deployments import Deployment
    from indexer.core.registry import ChainConfig
    from indexer.sources.platform import platform_contract_set
    from indexer.sync.types import Batch
    from indexer.worker import run_chain, tune_runtime

    chain = ChainConfig.model_validate(spec["chain"])
    contract_set = platform_contract_set(Deployment.model_validate(spec["deployment"]))
    engine = make_engine(spec["url"], pool_size=4)
    samples: list[tuple[int, int]] = []

    def progress(syncer: Any, item: object) -> None:
        if isinstance(item, Batch):
            samples.append((syncer.stats.events, rss()))

    # The process's one-time tuning (a full GC pass over the imports, then a freeze: ~0.15 s) is
    # start-up, as the imports above are: run_chain would do it inside the timed backfill (it does it
    # only once per process), and the floor's process pays neither.
    tune_runtime()
    before = rss()
    cpu, started = time.process_time(), time.perf_counter()
    stats = run_chain(engine, chain, contract_set, stop=threading.Event(), options=SyncOptions(**spec["options"]),
                      stop_at_head=True, rpc_timeout=300, on_progress=progress)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    if stats is None:
        raise RuntimeError("the backfill stopped before it got the chain's lock")
    # The indexer starts no process of its own: this process's peak is the backfill's. A sample may
    # top VmHWM by a few pages (the kernel syncs each thread's RSS count every 64 page faults).
    peak = max([peak_rss(), *(r for _, r in samples)])
    return {"events": stats.events, "seconds": seconds, "cpu": cpu, "rss_before": before, "peak_rss": peak,
            "samples": samples}


def main() -> None:
    from indexer.core.logging import configure_logging

    configure_logging("WARNING")  # the bench prints its own lines; warnings still show
    spec_path, result_path = sys.argv[1:3]
    result = backfill(json.loads(Path(spec_path).read_text()))
    Path(result_path).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
