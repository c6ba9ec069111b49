"""`lancer bench api` (not a test): populate an index, serve it with uvicorn, load it with wrk.

In one run: a scratch database, an anvil chain with Lancer deployed, the demo scenario plus many
escrows and transfers, indexed, and projects for the search; then the API in a subprocess (one
process, then ``--workers`` processes), and wrk (installed when missing and possible; else the Python
generator) against a constant-JSON route (the ceiling of this app on this machine) and every read
route: balances, transfers, escrow list, escrow detail, treasury, carbon summary, reputation (with an
API key) and project search. Around each run the API's CPU time and the load generator's are taken, so
the report gives CPU per request (robust to other load on the machine) and refuses a goal verdict when
the load generator, not the server, was the bottleneck.
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
from sqlalchemy.orm import Session
from web3 import HTTPProvider, Web3

from bench import search
from bench.loadgen import LoadResult, ensure_wrk, process_tree_cpu, run_load, wait_until_up
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


GOAL_RATIO, GOAL_P99_MS = 0.6, 20.0
# A generator using this share of its threads' cores is saturated: the figures then measure it.
GENERATOR_SATURATED = 0.85


@dataclass
class Row:
    name: str
    result: LoadResult
    ceiling: LoadResult
    api_cpu: float  # CPU seconds of the API process(es) during the run
    ceiling_api_cpu: float
    workers: int = 1

    @property
    def ratio(self) -> float:
        return self.result.rps / self.ceiling.rps if self.ceiling.rps else 0.0

    @property
    def cpu_ms(self) -> float:
        """API CPU milliseconds per request: robust to other load on the machine."""
        return 1000.0 * self.api_cpu / self.result.requests if self.result.requests else float("nan")

    @property
    def cpu_ratio(self) -> float:
        """The ceiling's CPU per request over this route's: the req/s ratio a quiet machine would show."""
        ceiling_ms = 1000.0 * self.ceiling_api_cpu / self.ceiling.requests if self.ceiling.requests else 0.0
        return ceiling_ms / self.cpu_ms if self.cpu_ms else 0.0

    @property
    def api_share(self) -> float:
        return self.api_cpu / self.result.seconds if self.result.seconds else 0.0


@dataclass
class ApiBench:
    connections: int
    seconds: int
    tool: str
    wrk_threads: int
    one: list[Row]  # one API process: the ceiling first, then every read route
    many: list[Row]  # --workers processes, same routes (empty when workers == 1)
    workers: int
    load_average: tuple[float, float, float]
    note: str = ""  # why the multi-process figure is missing, when it is

    def report(self) -> str:
        return report(self)


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


def _api_key(database_url: str) -> str:
    """A user with an API key holding the read scopes (reputation needs one), made by the identity service."""
    from api.identity.models import User
    from api.identity.service import create_api_key
    from api.settings import ApiSettings

    settings = ApiSettings(database_url=database_url, environment="test", _env_file=None)  # type: ignore[call-arg]
    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            user = User()
            db.add(user)
            db.flush()
            _, full = create_api_key(db, settings, user.id, "bench",
                                     ["read:chain", "read:escrows", "read:marketplace", "read:reputation"], None)
            db.commit()
        return full
    finally:
        engine.dispose()


def _start_api(env: dict[str, str], workers: int, logs: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The API with ``workers`` processes on a fresh port, once it answers; its output goes to ``logs``."""
    port = free_port()
    with open(logs, "ab") as out:
        api = subprocess.Popen([sys.executable, "-m", "scripts.cli", "api", "--host", "127.0.0.1", "--port",
                                str(port), "--workers", str(workers)],
                               cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, 300)  # a loaded machine imports web3 slowly, once per worker
    except RuntimeError:
        _stop_api(api)
        raise RuntimeError(f"the API ({workers} process(es)) did not start; its output: "
                           f"{logs.read_text(errors='replace')[-2000:]}") from None
    if workers > 1:
        time.sleep(3)  # every worker up, not only the first to answer
    return api, base


def _stop_api(api: subprocess.Popen[bytes]) -> None:
    api.terminate()
    try:
        api.wait(timeout=30)
    except subprocess.TimeoutExpired:
        api.kill()
        api.wait(timeout=10)


def _measure(api: subprocess.Popen[bytes], base: str, routes: dict[str, tuple[str, dict[str, str]]], seconds: int,
             connections: int, workers: int, log: Callable[[str], None]) -> list[Row]:
    """The ceiling, then each route, at the same load, with the API's CPU time around each run."""
    for path, headers in routes.values():  # warm up, and fail early on a broken route
        response = httpx.get(base + path, headers=headers, timeout=30)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    run_load(f"{base}/health/liveness", 2, connections)

    def one(path: str, headers: dict[str, str]) -> tuple[LoadResult, float]:
        cpu0 = process_tree_cpu(api.pid)
        result = run_load(base + path, seconds, connections, headers or None)
        return result, process_tree_cpu(api.pid) - cpu0

    ceiling, ceiling_cpu = one("/health/liveness", {})
    log(f"{workers} process(es): ceiling {ceiling.rps:.0f} req/s, API {1000 * ceiling_cpu / max(ceiling.requests, 1):.2f} "
        "CPU ms/req")
    rows = [Row("constant JSON (/health/liveness)", ceiling, ceiling, ceiling_cpu, ceiling_cpu, workers)]
    for name, (path, headers) in routes.items():
        result, cpu = one(path, headers)
        rows.append(Row(name, result, ceiling, cpu, ceiling_cpu, workers))
        row = rows[-1]
        log(f"  {name}: {result.rps:.0f} req/s, p99 {result.p99_ms:.1f} ms, API {row.cpu_ms:.2f} CPU ms/req "
            f"({row.cpu_ratio:.0%} of the ceiling by CPU)")
    return rows


def run(admin_url: str, *, escrows: int = 150, transfers: int = 300, projects: int = 10_000, seconds: int = 10,
        connections: int = 16, workers: int | None = None, log: Callable[[str], None] = print) -> ApiBench:
    workers = workers or os.cpu_count() or 1
    if not ensure_wrk(log):
        log("wrk is not installed (scripts/ensure_wrk.sh needs root): the Python load generator will likely be "
            "the bottleneck, and the report will then refuse a verdict")
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
        search.populate(database_url, projects=projects, users=max(projects // 5, 10))
        key = _api_key(database_url)
        log(f"{projects} projects for the search route; an API key for reputation")

        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
               "REDIS_KEY_PREFIX": f"lancer-bench-{db_name}:", "CHAIN_REGISTRY_JSON": reg_json,
               "DEPLOYMENTS_DIR": str(tmp), "ENVIRONMENT": "test", "LOG_LEVEL": "WARNING",
               # Rate limiting stays on (each read pays its Redis round trip) with a budget wrk can't exhaust.
               "RATELIMIT_IP_PER_WINDOW": "1000000000", "RATELIMIT_PRINCIPAL_PER_WINDOW": "1000000000",
               # Off: on a loaded machine every statement passes 500 ms and the slow log's EXPLAIN of each
               # one would be measured as the route's CPU.
               "SLOW_QUERY_MS": "0"}
        anonymous: dict[str, str] = {}
        client, freelancer = demo.accounts["client"], demo.accounts["freelancer"]
        routes = {
            "balances": (f"/v1/accounts/{client}/balances", anonymous),
            "transfers": (f"/v1/accounts/{client}/transfers?limit=50", anonymous),
            "escrow list": ("/v1/escrows?limit=50", anonymous),
            "escrow detail": (f"/v1/escrows/31337/{demo.escrows['completed_lnc']}", anonymous),
            "treasury": ("/v1/treasury", anonymous),
            "carbon summary": ("/v1/carbon/summary", anonymous),
            # Reputation needs credentials (scope read:reputation): an API key, as an integrator calls it.
            "reputation (API key)": (f"/v1/reputation/{freelancer}", {"X-API-Key": key}),
            "project search": (f"/v1/projects?limit={search.LIMIT}", anonymous),
        }
        load = os.getloadavg()
        api, base = _start_api(env, 1, tmp / "api.log")
        one = _measure(api, base, routes, seconds, connections, 1, log)
        _stop_api(api)
        api = None
        many: list[Row] = []
        note = ""
        if workers > 1:
            try:
                api, base = _start_api(env, workers, tmp / "api.log")
                many = _measure(api, base, routes, seconds, connections, workers, log)
            except RuntimeError as exc:  # keep the one-process figures; say why the other is missing
                note = f"{workers} processes: not measured ({str(exc)[:300]})"
                log(note)
        return ApiBench(connections, seconds, one[0].result.tool, 2, one, many, workers, load, note)
    finally:
        if api is not None:
            _stop_api(api)
        node.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        admin.dispose()


def _generator_saturated(bench: ApiBench, row: Row) -> bool:
    capacity = bench.wrk_threads if row.result.tool == "wrk" else 1  # the Python generator: one core (GIL)
    return row.result.generator_share >= GENERATOR_SATURATED * capacity


def _table(bench: ApiBench, rows: list[Row]) -> list[str]:
    lines = [f"{'route':<34} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'vs ceil':>7} "
             f"{'API cpu ms/req':>14} {'vs ceil by cpu':>14} {'API cores':>9} {'gen cores':>9}"]
    for r in rows:
        lines.append(f"{r.name:<34} {r.result.rps:>7.0f} {r.result.p50_ms:>7.2f} {r.result.p99_ms:>7.2f} "
                     f"{r.result.errors:>6} {r.ratio:>7.0%} {r.cpu_ms:>14.3f} {r.cpu_ratio:>14.0%} "
                     f"{r.api_share:>9.2f} {r.result.generator_share:>9.2f}")
    return lines


def verdict(bench: ApiBench) -> str:
    """The goal line of one process, or why there is none: every read route >= 60% of the ceiling and
    p99 < 20 ms. Refused when the load generator, not the server, bounded a run."""
    rows = bench.one
    if any(r.result.errors for r in rows):
        return "goal: NOT met (errors during the load)"
    bounded = [r.name for r in rows if _generator_saturated(bench, r) or r.result.generator_share > r.api_share]
    if bounded:
        return ("goal: NO VERDICT: the load generator, not the API, was the bottleneck on " + ", ".join(bounded)
                + " (it used as much CPU as the API or saturated its threads); install wrk (scripts/ensure_wrk.sh) "
                "or run it on another machine")
    missed = [r.name for r in rows[1:] if r.ratio < GOAL_RATIO or r.result.p99_ms >= GOAL_P99_MS]
    head = f"goal (every read >= {GOAL_RATIO:.0%} of the ceiling and p99 < {GOAL_P99_MS:.0f} ms, 1 process): "
    return head + ("met" if not missed else "NOT met on " + ", ".join(missed))


def report(bench: ApiBench) -> str:
    lines = [f"{bench.tool}, {bench.connections} connections, {bench.seconds}s per route; "
             f"load average before the runs: {' '.join(f'{x:.2f}' for x in bench.load_average)}",
             "1 uvicorn process:"]
    lines += _table(bench, bench.one)
    lines.append(verdict(bench))
    # The ratio only means something below saturation: at a load where even the constant route queues,
    # every route's tail is the machine's scheduling and the ratios measure that.
    ceiling = bench.one[0].result
    if ceiling.p99_ms >= GOAL_P99_MS:
        lines.append(f"load: the ceiling's own p99 is {ceiling.p99_ms:.1f} ms (>= {GOAL_P99_MS:.0f} ms): the machine "
                     "is saturated or busy; use fewer --connections or a quieter machine")
    else:
        lines.append(f"load: the ceiling's own p99 is {ceiling.p99_ms:.2f} ms, same load for every route")
    if bench.many:
        lines.append(f"{bench.workers} uvicorn processes (--workers {bench.workers}; scale = req/s over 1 process):")
        lines += _table(bench, bench.many)
        scale = [f"{m.name.split(' (')[0]} x{m.result.rps / o.result.rps:.2f}" for o, m in zip(bench.one, bench.many)
                 if o.result.rps]
        lines.append("scale: " + ", ".join(scale))
    elif bench.note:
        lines.append(bench.note)
    lines.append("columns: vs ceil = req/s over the constant route's; API cpu ms/req = CPU of the API process(es) "
                 "per request; vs ceil by cpu = the ceiling's CPU per request over the route's (robust to other "
                 "load); API/gen cores = CPU used over the run by the API and by the load generator")
    return "\n".join(lines)
