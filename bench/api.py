"""`lancer bench api` (not a test): populate an index, serve it with uvicorn, load it with wrk.

In one run: a scratch database, an anvil chain with Lancer deployed, the demo scenario plus many
escrows and transfers, indexed; then the API in a subprocess, and wrk (or the Python generator)
against a constant-JSON route (the ceiling of this app on this machine) and three read routes.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import AnyHttpUrl
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from web3 import HTTPProvider, Web3

from bench.loadgen import LoadResult, run_load, wait_until_up
from contracts.client import LancerContracts
from contracts.demo import LNC, run_demo
from contracts.deploy import deploy_chain
from contracts.deploy_config import DeploySettings
from devtools.anvil import AnvilProcess, free_port
from indexer.core.db import make_engine
from indexer.core.deployments import load_deployment
from indexer.core.migrate import upgrade
from indexer.core.registry import ChainRegistry, load_registry, registry_json
from indexer.core.settings import REPO_ROOT
from indexer.sources.platform import platform_contract_set
from indexer.sync import SyncOptions
from indexer.worker import run_chain


@dataclass
class Row:
    name: str
    result: LoadResult
    ceiling: LoadResult

    @property
    def ratio(self) -> float:
        return self.result.rps / self.ceiling.rps if self.ceiling.rps else 0.0


def _populate(lancer: LancerContracts, accounts: list[str], escrows: int, transfers: int, log: Callable[[str], None]) -> None:
    rng = random.Random(6)
    admin = accounts[0]
    users = accounts[1:10]
    for u in users:
        lancer.send(lancer.token.functions.mint(u, 1_000_000 * LNC), admin)
    for i in range(escrows):
        client, freelancer, arbiter = rng.sample(users, 3)
        amounts = [rng.randint(1, 50) * LNC for _ in range(rng.randint(1, 3))]
        escrow, _ = lancer.create_escrow(client, client=client, freelancer=freelancer, arbiter=arbiter,
                                         token=lancer.token.address, amounts=amounts, review_period=86_400,
                                         metadata_hash=Web3.keccak(text=f"bench {i}"))
        lancer.send(lancer.token.functions.approve(escrow.address, sum(amounts)), client)
        lancer.send(escrow.functions.fund(), client)
        if i % 2 == 0:
            lancer.send(escrow.functions.accept(), freelancer)
            lancer.send(escrow.functions.releaseMilestone(0), client)
    for _ in range(transfers):
        a, b = rng.sample(users, 2)
        lancer.send(lancer.token.functions.transfer(b, rng.randint(1, 100) * LNC), a)
    log(f"populated: {escrows} escrows, {transfers} transfers")


def run(admin_url: str, *, escrows: int = 150, transfers: int = 300, seconds: int = 10, connections: int = 16,
        log: Callable[[str], None] = print) -> list[Row]:
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    db_name = f"lancer_bench_api_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    database_url = make_url(admin_url).set(database=db_name).render_as_string(hide_password=False)
    tmp = Path(tempfile.mkdtemp(prefix="lancer-bench-api-"))
    node = AnvilProcess(31337, accounts=12).start()
    api: subprocess.Popen[bytes] | None = None
    try:
        upgrade(database_url)
        chains = [c.model_copy(update={"rpc_urls": [AnyHttpUrl(node.url)], "block_time_seconds": 0.2})
                  if c.chain_id == 31337 else c for c in load_registry().chains]
        chains = [c for c in chains if c.chain_id == 31337 or not c.local]
        reg_json = registry_json(ChainRegistry(chains=chains))
        chain = next(c for c in chains if c.chain_id == 31337)
        settings = DeploySettings(chain_registry_json=reg_json, deployments_dir=tmp, data_dir=tmp, _env_file=None)
        deploy_chain(chain, settings, extensions=[])
        deployment = load_deployment(tmp, 31337)
        assert deployment is not None
        w3 = Web3(HTTPProvider(node.url, request_kwargs={"timeout": 60}))
        demo = run_demo(w3, deployment)
        log("deployed, demo played; populating...")
        _populate(LancerContracts(w3, deployment), w3.eth.accounts, escrows, transfers, log)
        node.mine(5)
        engine = make_engine(database_url)
        started = time.perf_counter()
        run_chain(engine, chain, platform_contract_set(deployment), stop=threading.Event(),
                  options=SyncOptions(initial_range=500, max_range=5000, poll_interval=0.05), stop_at_head=True)
        engine.dispose()
        log(f"indexed to block {w3.eth.block_number} in {time.perf_counter() - started:.1f}s")

        port = free_port()
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
               "REDIS_KEY_PREFIX": f"lancer-bench-{db_name}:", "CHAIN_REGISTRY_JSON": reg_json,
               "DEPLOYMENTS_DIR": str(tmp), "ENVIRONMENT": "test", "LOG_LEVEL": "WARNING",
               # Rate limiting stays on (each read pays its Redis round trip) with a budget wrk can't exhaust.
               "RATELIMIT_IP_PER_WINDOW": "1000000000", "RATELIMIT_PRINCIPAL_PER_WINDOW": "1000000000"}
        api = subprocess.Popen([sys.executable, "-m", "scripts.cli", "api", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, 60)
        routes = {
            "balances": f"{base}/v1/accounts/{demo.accounts['client']}/balances",
            "escrow detail": f"{base}/v1/escrows/31337/{demo.escrows['completed_lnc']}",
            "escrow list": f"{base}/v1/escrows?limit=50",
        }
        for url in routes.values():  # warm up, and fail early on a broken route
            assert httpx.get(url, timeout=10).status_code == 200, url
        run_load(f"{base}/health/liveness", 2, connections)
        ceiling = run_load(f"{base}/health/liveness", seconds, connections)
        log(f"ceiling: {ceiling.rps:.0f} req/s")
        rows = [Row("constant JSON (/health/liveness)", ceiling, ceiling)]
        for name, url in routes.items():
            rows.append(Row(name, run_load(url, seconds, connections), ceiling))
        return rows
    finally:
        if api is not None:
            api.terminate()
            api.wait(timeout=20)
        node.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        admin.dispose()


def report(rows: list[Row], seconds: int, connections: int) -> str:
    tool = rows[0].result.tool
    lines = [f"{tool}, {connections} connections, {seconds}s per route, 1 uvicorn worker",
             f"{'route':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs ceiling':>10}"]
    for r in rows:
        lines.append(f"{r.name:<34} {r.result.rps:>8.0f} {r.result.p50_ms:>8.2f} {r.result.p99_ms:>8.2f} "
                     f"{r.result.errors:>7} {r.ratio:>9.0%}")
    reads = rows[1:]
    met = all(r.ratio >= 0.6 and r.result.p99_ms < 50 for r in reads)
    lines.append(f"goal (reads >= 60% of the ceiling, p99 < 50 ms): {'met' if met else 'NOT met'}")
    # The ratio only means something below saturation: at a load where even the constant route queues,
    # every route's tail is the machine's scheduling and the ratios measure that.
    ceiling = rows[0].result
    if ceiling.p99_ms >= 50:
        lines.append(f"load: the ceiling's own p99 is {ceiling.p99_ms:.0f} ms (>= 50 ms): this load saturates "
                     "the machine; use fewer --connections")
    else:
        lines.append(f"load: the ceiling's own p99 is {ceiling.p99_ms:.2f} ms (< 50 ms), same load for every route")
    return "\n".join(lines)
