"""One indexer worker per chain: takes the chain's advisory lock, then syncs until told to stop.

The lock is a session-level ``pg_advisory_lock`` on the very connection that writes, so if the
worker dies its connection closes, the lock is released, and a waiting replica takes over; and a
worker that lost its connection can no longer write either.
"""

from __future__ import annotations

import gc
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

import structlog
from sqlalchemy import Connection, Engine

from indexer.core.deployments import load_deployment
from indexer.core.locks import CHAIN_LOCK_CLASS, try_lock
from indexer.core.errors import ConfigError
from indexer.core.registry import ChainConfig
from indexer.rpc import RpcClient
from indexer.core.settings import ChainSettings
from indexer.sources.platform import platform_contract_set
from indexer.sources.spec import ContractSet
from indexer.sync import ChainSyncer, SyncOptions, SyncStats

log = structlog.get_logger(__name__)

def contract_set_for(settings: ChainSettings, chain: ChainConfig) -> ContractSet:
    deployment = load_deployment(settings.deployments_dir, chain.chain_id)
    if deployment is None:
        raise ConfigError(f"no deployment for chain {chain.name} ({chain.chain_id}) in {settings.deployments_dir}; "
                          "run `lancer deploy` first")
    return platform_contract_set(deployment, chain)


def acquire_chain_lock(conn: Connection, chain_id: int, stop: threading.Event, poll: float = 0.5) -> bool:
    """Wait for the chain's lock (polling, so a stop request is honoured while waiting)."""
    announced = False
    while not stop.is_set():
        got = try_lock(conn, CHAIN_LOCK_CLASS, chain_id)
        conn.commit()
        if got:
            return True
        if not announced:
            log.info("waiting_for_lock", chain_id=chain_id)
            announced = True
        stop.wait(poll)
    return False


_runtime_tuned = threading.Event()


def tune_runtime() -> None:
    """Once per process, for the backfill's threads (scanner, completion pool, writer):

    - The cyclic GC: a backfill allocates millions of short-lived objects (decoded logs, their args,
      rows) while each batch keeps tens of thousands alive, so with the default thresholds the
      collector runs every 700 allocations and re-scans the survivors again and again (~30% of
      decoding time in a micro-benchmark). Objects alive at start (modules, settings) are frozen out
      of its scans, and young collections run every 2,000 allocations (10,000 took a 1M-event backfill's
      peak RSS to 506 MB, over its 500 MB goal; 2,000: 398-408 MB, same speed). Garbage without cycles is
      still freed at once (reference counting); only cycles wait a little longer.
    - The GIL's switch interval, 5 ms -> 1 ms: the writer makes dozens of database round trips per
      batch and, after each, waits for the GIL while the fetcher's threads decode; at 5 ms those
      waits added up to a quarter of the backfill's wall time (A/B on both bench workloads, three
      pairs: escrow 9.4-15.0 s against 13.5-19.8 s, token 6.9-8.0 s against 8.1-13.2 s; same CPU).
    """
    if _runtime_tuned.is_set():
        return
    _runtime_tuned.set()
    gc.collect()  # garbage left from start-up must not be frozen with the rest
    gc.freeze()
    gc.set_threshold(2_000, 10, 10)
    sys.setswitchinterval(0.001)


def run_chain(engine: Engine, chain: ChainConfig, contract_set: ContractSet, *, stop: threading.Event,
              options: SyncOptions | None = None, stop_at_head: bool = False, until_block: int | None = None,
              on_progress: Callable[..., Any] | None = None, rpc_timeout: float = 10.0) -> SyncStats | None:
    """Lock, sync, release. Returns None when stopped before getting the lock."""
    tune_runtime()
    rpc = RpcClient(chain.rpc_url_strings, chain=chain.name, timeout=rpc_timeout)
    try:
        with engine.connect() as conn:
            if not acquire_chain_lock(conn, chain.chain_id, stop):
                return None
            log.info("lock_acquired", chain=chain.name)
            try:
                syncer = ChainSyncer(chain, contract_set, conn, rpc, options, stop=stop, on_progress=on_progress)
                stats = syncer.run(stop_at_head=stop_at_head, until_block=until_block)
            finally:
                # A pooled connection would keep the session lock: close it so the lock goes with it.
                conn.invalidate()
            log.info("worker_stopped", chain=chain.name, block=syncer.cursor.number, events=stats.events,
                     reorgs=stats.reorgs)
            return stats
    finally:
        rpc.close()


def install_signal_handlers(stop: threading.Event) -> None:
    """SIGTERM/SIGINT finish the batch being written, then stop."""
    def handler(signum: int, _frame: object) -> None:
        log.info("shutdown_requested", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
