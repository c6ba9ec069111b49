"""`lancer bench soak` (not a test): the API, two indexers (one per local chain) and a worker under mixed
load for N minutes, reporting memory growth per process, p99 latency over time and indexer lag over time.

Set-up: a scratch database, two anvil chains with Lancer deployed, the processes started as in
production (`lancer api`, `lancer index --chain X` twice, `lancer worker`). Load, all at once:
- chain traffic: LNC transfers on both chains (new events for the indexers, new blocks every ~0.5 s);
- reads: keep-alive HTTP clients on balances, the escrow list and the chains status;
- writes: a signed-in user requests a data export every few seconds (a job for the worker).
Every ``sample`` seconds: RSS of each process (/proc), p99 of the reads in that window, lag per chain
(anvil head minus the indexer's block).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from eth_account import Account
from pydantic import AnyHttpUrl
from sqlalchemy import text
from web3 import HTTPProvider, Web3

from bench.loadgen import wait_until_up
from bench.scratch import scratch_database
from contracts.client import LancerContracts
from contracts.demo import LNC
from contracts.deploy import deploy_chain
from contracts.deploy_config import DeploySettings
from devtools.anvil import AnvilProcess, free_port
from devtools.keys import local_key_rings
from devtools.signin import DOMAIN, URI, SignInFailed, bearer, login
from indexer.core.db import make_engine
from indexer.core.deployments import load_deployment
from indexer.core.migrate import upgrade
from indexer.core.registry import ChainRegistry, load_registry, registry_json
from indexer.core.settings import REPO_ROOT

CHAINS = (31337, 31338)


@dataclass
class Sample:
    t: float
    rss_mb: dict[str, float]
    p99_ms: float
    requests: int
    errors: int
    lag_blocks: dict[int, int]


@dataclass
class Soak:
    minutes: float
    samples: list[Sample] = field(default_factory=list)
    jobs: dict[str, int] = field(default_factory=lambda: {"exports": 0, "export_errors": 0})

    def report(self) -> str:
        if not self.samples:
            return "no samples"
        first, last = self.samples[0], self.samples[-1]
        lines = [f"soak: {self.minutes:g} min, {len(self.samples)} samples, load average {os.getloadavg()[0]:.1f}, "
                 f"exports requested {self.jobs['exports']} (failed {self.jobs['export_errors']}), by status: "
                 + ", ".join(f"{k[8:]} {v}" for k, v in self.jobs.items() if k.startswith("exports_")),
                 "memory (RSS MB, first -> last, growth):"]
        for name in first.rss_mb:
            a, b = first.rss_mb[name], last.rss_mb.get(name, float("nan"))
            lines.append(f"  {name:<16} {a:7.1f} -> {b:7.1f}  ({b - a:+.1f})")
        lines.append("  t(s)  reads  errors  p99(ms)  lag " + " ".join(f"{c:>6}" for c in CHAINS))
        for s in self.samples:
            lines.append(f"  {s.t:5.0f}  {s.requests:5d}  {s.errors:6d}  {s.p99_ms:7.1f}      "
                         + " ".join(f"{s.lag_blocks.get(c, -1):6d}" for c in CHAINS))
        return "\n".join(lines)


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class _Reads:
    def __init__(self, urls: list[str], clients: int, stop: threading.Event) -> None:
        self.urls, self.stop = urls, stop
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors = 0
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(clients)]

    def _run(self, i: int) -> None:
        with httpx.Client(timeout=10) as client:
            n = i
            while not self.stop.is_set():
                url = self.urls[n % len(self.urls)]
                n += 1
                started = time.perf_counter()
                try:
                    ok = client.get(url).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with self.lock:
                    if ok:
                        self.latencies.append((time.perf_counter() - started) * 1000)
                    else:
                        self.errors += 1

    def window(self) -> tuple[float, int, int]:
        with self.lock:
            lat, errors = sorted(self.latencies), self.errors
            self.latencies, self.errors = [], 0
        return (lat[min(len(lat) - 1, int(0.99 * len(lat)))] if lat else float("nan")), len(lat), errors


def _chain_traffic(lancers: list[LancerContracts], accounts: list[str], stop: threading.Event) -> None:
    i = 0
    while not stop.is_set():
        for lancer in lancers:
            sender, receiver = accounts[1 + i % 8], accounts[2 + (i + 3) % 8]
            lancer.send(lancer.token.functions.transfer(receiver, LNC), sender)
        i += 1
        stop.wait(0.2)


def _exports(base: str, stop: threading.Event, counts: dict[str, int]) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        while not stop.is_set():
            try:
                tokens = login(client, Account.create())["tokens"]  # type: ignore[arg-type]
                ok = client.post("/v1/me/export", headers=bearer(tokens["access_token"])).status_code == 202
            except (SignInFailed, httpx.HTTPError):
                ok = False
            counts["exports" if ok else "export_errors"] += 1
            stop.wait(5)


def run(admin_url: str, *, minutes: float = 10, sample: float = 30, clients: int = 8,
        log: Callable[[str], None] = print) -> Soak:
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    tmp = Path(tempfile.mkdtemp(prefix="lancer-bench-soak-"))
    nodes = [AnvilProcess(cid, accounts=12, block_time=0.5, memory_states=256).start() for cid in CHAINS]
    procs: dict[str, subprocess.Popen[bytes]] = {}
    stop = threading.Event()
    soak = Soak(minutes)
    with scratch_database(admin_url, "soak") as database_url:
        try:
            upgrade(database_url)
            urls = {n.chain_id: n.url for n in nodes}
            chains = [c.model_copy(update={"rpc_urls": [AnyHttpUrl(urls[c.chain_id])], "block_time_seconds": 0.5})
                      for c in load_registry().chains if c.chain_id in urls]
            reg_json = registry_json(ChainRegistry(chains=chains))
            settings = DeploySettings(chain_registry_json=reg_json, deployments_dir=tmp, data_dir=tmp, _env_file=None)
            lancers = []
            for chain in chains:
                deploy_chain(chain, settings, extensions=[])
                deployment = load_deployment(tmp, chain.chain_id)
                assert deployment is not None
                w3 = Web3(HTTPProvider(urls[chain.chain_id], request_kwargs={"timeout": 60}))
                lancer = LancerContracts(w3, deployment)
                for account in w3.eth.accounts[1:10]:
                    lancer.send(lancer.token.functions.mint(account, 1_000_000 * LNC), w3.eth.accounts[0])
                lancers.append(lancer)
            accounts = lancers[0].w3.eth.accounts
            log(f"deployed on {len(chains)} chains")
            port = free_port()
            env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                   "REDIS_KEY_PREFIX": f"lancer-soak-{tmp.name}:", "CHAIN_REGISTRY_JSON": reg_json,
                   "DEPLOYMENTS_DIR": str(tmp), "ENVIRONMENT": "test", "LOG_LEVEL": "WARNING",
                   "RATELIMIT_IP_PER_WINDOW": "1000000000", "RATELIMIT_PRINCIPAL_PER_WINDOW": "1000000000",
                   "RATELIMIT_AUTH_IP_PER_WINDOW": "1000000000", "SIWE_DOMAIN": DOMAIN, "SIWE_URI": URI,
                   # One data key ring for every process: with ephemeral keys per process the worker cannot
                   # read what the API encrypted, and every export job fails.
                   **local_key_rings(tmp, env_file=tmp / ".env")}

            def start(name: str, args: list[str]) -> None:
                procs[name] = subprocess.Popen([sys.executable, "-m", "scripts.cli", *args], cwd=REPO_ROOT, env=env,
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

            start("api", ["api", "--host", "127.0.0.1", "--port", str(port)])
            for chain in chains:
                start(f"indexer-{chain.name}", ["index", "--chain", chain.name, "--no-progress"])
            start("worker", ["worker"])
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base, 120)
            reads = _Reads([f"{base}/v1/accounts/{accounts[1]}/balances", f"{base}/v1/escrows?limit=50",
                            f"{base}/v1/chains"], clients, stop)
            load = [threading.Thread(target=_chain_traffic, args=(lancers, accounts, stop), daemon=True),
                    threading.Thread(target=_exports, args=(base, stop, soak.jobs), daemon=True), *reads.threads]
            for t in load:
                t.start()
            engine = make_engine(database_url)
            started = time.monotonic()
            log(f"load running for {minutes:g} min, a sample every {sample:g} s")
            while time.monotonic() - started < minutes * 60:
                stop.wait(sample)
                p99, count, errors = reads.window()
                with engine.connect() as conn:
                    indexed = dict(conn.execute(text("SELECT chain_id, block_number FROM chains")).all())
                lag = {c.chain_id: l.w3.eth.block_number - int(indexed.get(c.chain_id, 0))
                       for c, l in zip(chains, lancers, strict=True)}
                soak.samples.append(Sample(time.monotonic() - started,
                                           {n: _rss_mb(p.pid) for n, p in procs.items()}, p99, count, errors, lag))
                log(f"t={soak.samples[-1].t:.0f}s reads={count} p99={p99:.1f}ms lag={lag}")
            stop.set()
            time.sleep(2)
            with engine.connect() as conn:
                soak.jobs.update({f"exports_{status}": int(n) for status, n in conn.execute(
                    text("SELECT status, count(*) FROM privacy_exports GROUP BY status")).all()})
            engine.dispose()
            return soak
        finally:
            stop.set()
            for proc in procs.values():
                proc.terminate()
            for proc in procs.values():
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            for node in nodes:
                node.stop()
