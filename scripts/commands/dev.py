"""`lancer dev`: the whole local platform in one command.

PostgreSQL and Redis from DATABASE_URL/REDIS_URL, else embedded ones with data under DATA_DIR;
the registry's local anvil chains (state kept under DATA_DIR, so a second run resumes them);
migrations; contracts deployed to each chain (idempotent); the demo scenario once per chain; one
indexer per chain, an rq worker, the webhook dispatcher and webhook worker (`worker --webhooks`), the API
and the web app (`next dev`, port 3000) as child processes.
It waits until the index holds the demo, prints where to look, and runs until Ctrl-C, which stops
every process cleanly.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlparse

import click
import httpx
from rich.console import Console
from web3 import Web3

from contracts.demo import DemoResult, run_demo
from devtools.anvil import AnvilProcess
from indexer.core.deployments import load_deployment
from devtools.embedded import EmbeddedServices, start_embedded
from devtools.keys import local_key_rings
from indexer.core.errors import ConfigError
from indexer.core.migrate import upgrade
from indexer.core.registry import ChainConfig
from indexer.core.settings import ChainSettings, get_chain_settings
from scripts.commands.deploy import run_deploy


def start_local_chain(chain: ChainConfig, data_dir: Path) -> AnvilProcess:
    url = urlparse(chain.rpc_url_strings[0])
    if url.hostname not in ("127.0.0.1", "localhost") or not url.port:
        raise ConfigError(f"local chain {chain.name} must have an RPC URL on 127.0.0.1 with a port")
    return AnvilProcess(
        chain.chain_id,
        port=url.port,
        block_time=chain.block_time_seconds,
        state_path=data_dir / "chains" / f"{chain.chain_id}.json",
        log_path=data_dir / "logs" / f"anvil-{chain.chain_id}.log",
    ).start()


def demo_once(chain: ChainConfig, settings: ChainSettings, console: Console) -> DemoResult | None:
    """Play the demo on a chain unless this deployment already had it (the marker names the factory)."""
    deployment = load_deployment(settings.deployments_dir, chain.chain_id)
    if deployment is None:
        raise ConfigError(f"no deployment for {chain.name}")
    marker = settings.data_dir / "demo" / f"{chain.chain_id}.json"
    factory = deployment.address("EscrowFactory")
    if marker.is_file():
        saved = json.loads(marker.read_text())
        if saved.get("factory") == factory:
            return DemoResult(**saved["result"])
    console.print(f"{chain.name}: playing the demo scenario")
    result = run_demo(Web3(Web3.HTTPProvider(chain.rpc_url_strings[0])), deployment)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"factory": factory, "result": asdict(result)}, indent=2))
    return result


def market_demo_once(base: str, chain: ChainConfig, settings: ChainSettings, console: Console) -> None:
    """Populate the marketplace (profiles, projects, proposals, a hired and funded contract) through the
    running API, once per deployment of the first local chain (same marker scheme as the chain demo)."""
    from api.settings import get_settings
    from scripts.market_demo import play_market_demo

    deployment = load_deployment(settings.deployments_dir, chain.chain_id)
    if deployment is None:
        return
    marker = settings.data_dir / "demo" / f"market-{chain.chain_id}.json"
    factory = deployment.address("EscrowFactory")
    if marker.is_file() and json.loads(marker.read_text()).get("factory") == factory:
        return
    console.print(f"{chain.name}: playing the marketplace demo through the API")
    api_settings = get_settings()
    with httpx.Client(base_url=base, timeout=30) as http:
        demo = play_market_demo(http, Web3(Web3.HTTPProvider(chain.rpc_url_strings[0])), chain.name,
                                domain=api_settings.siwe_domain, uri=api_settings.siwe_uri)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"factory": factory, "result": asdict(demo)}, indent=2))


class Children:
    """The platform's long-running processes; if one dies, the others are stopped too."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *args: str, command: list[str] | None = None, cwd: Path | None = None) -> None:
        log = open(self.log_dir / f"{name}.log", "ab")
        # Each child leads its own process group, so stopping it reaches what it started too (`next dev`
        # runs its server in a grandchild, which otherwise outlives it holding web/.next's lock).
        self.procs[name] = subprocess.Popen(
            command or [sys.executable, "-m", "scripts.cli", *args], env=self.env, cwd=cwd, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True
        )

    def dead(self) -> list[str]:
        return [name for name, proc in self.procs.items() if proc.poll() is not None]

    def stop(self, timeout: float = 15.0) -> None:
        for proc in self.procs.values():
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(proc, signal.SIGKILL)  # the child, if still there, and anything it left behind
            proc.wait()


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass  # the whole group has exited


def wait_for(check: object, what: str, timeout: float, children: Children) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if children.dead():
            raise ConfigError(f"{', '.join(children.dead())} exited while waiting for {what}; see {children.log_dir}")
        try:
            if check():  # type: ignore[operator]
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise ConfigError(f"timed out after {timeout:.0f}s waiting for {what}; see the logs in {children.log_dir}")


def summary_lines(base: str, demos: dict[str, DemoResult], web: str | None = None) -> list[tuple[str, str]]:
    lines = [("web app", web)] if web else []
    lines += [("API docs", f"{base}/docs"), ("chains", f"{base}/v1/chains")]
    for name, demo in demos.items():
        lines.append((f"{name} balances", f"{base}/v1/accounts/{demo.accounts['client']}/balances?chain={name}"))
        lines.append((f"{name} escrow", f"{base}/v1/escrows/{demo.chain_id}/{demo.escrows['completed_lnc']}"))
        lines.append((f"{name} staking", f"{base}/v1/staking/{demo.accounts['client']}?chain={name}"))
        lines.append((f"{name} votes", f"{base}/v1/governance/votes?chain={name}&addresses={demo.accounts['client']}"))
    lines += [("projects", f"{base}/v1/projects"), ("treasury", f"{base}/v1/treasury"), ("carbon summary", f"{base}/v1/carbon/summary"),
              ("metrics", f"{base}/metrics")]
    return lines


def print_summary(base: str, demos: dict[str, DemoResult], web: str | None = None) -> None:
    """Plain stdout (never wrapped or styled), one `label  URL` per line, so it can be copied or parsed."""
    print("\nLancer is running. Try:")
    for label, url in summary_lines(base, demos, web):
        print(f"  {label:<18} {url}")
    print("Ctrl-C stops everything.\n", flush=True)


def start_web(children: Children, web_port: int, api_base: str, console: Console) -> str | None:
    """`next dev` for web/, proxying /v1 to the API. Served as localhost: the SIWE default domain."""
    web_dir = Path(__file__).resolve().parents[2] / "web"
    next_bin = web_dir / "node_modules" / ".bin" / "next"
    if web_port == 0:
        return None
    if not next_bin.exists():
        console.print("web app skipped: run `npm ci` in web/ (make dev does)")
        return None
    children.env["API_URL"] = api_base
    children.env.setdefault("NEXT_TELEMETRY_DISABLED", "1")
    children.start("web", command=[str(next_bin), "dev", "--port", str(web_port)], cwd=web_dir)
    return f"http://localhost:{web_port}"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@click.command("dev")
@click.option("--port", default=8000, show_default=True, help="Port of the API")
@click.option("--timeout", default=180.0, show_default=True, help="Seconds to wait for the stack to be ready")
@click.option("--web-port", default=3000, show_default=True, help="Port of the web app (`next dev`); 0: no web app")
def dev_command(port: int, timeout: float, web_port: int) -> None:
    """Run the local platform: databases, two chains, contracts, demo, indexers, worker and API."""
    console = Console(stderr=True)
    settings = get_chain_settings()
    chains = settings.registry().local_chains
    if not chains:
        raise ConfigError("the chain registry has no local chains (\"local\": true) for `lancer dev`")
    log_dir = settings.data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    # SIGTERM stops the stack like Ctrl-C, at any stage. SIGINT is installed explicitly because a
    # script's background job inherits it ignored.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    nodes: list[AnvilProcess] = []
    services: EmbeddedServices | None = None
    children: Children | None = None
    try:
        services = start_embedded(settings.data_dir, database_url=settings.database_url.get_secret_value(),
                                  redis_url=settings.redis_url.get_secret_value())
        console.print(f"database: {'embedded' if not settings.database_url.get_secret_value() else 'DATABASE_URL'}, "
                      f"redis: {'embedded' if not settings.redis_url.get_secret_value() else 'REDIS_URL'} (data in {settings.data_dir})")
        os.environ.update(local_key_rings(settings.data_dir))  # for the migrations and every child
        upgrade(services.database_url)
        for chain in chains:
            nodes.append(start_local_chain(chain, settings.data_dir))
            console.print(f"chain {chain.name} ({chain.chain_id}) at {chain.rpc_url_strings[0]}")
        # One block a second is the chains' pace from here on; the ~50 set-up transactions per chain need not
        # wait for it (a minute of start-up).
        with ExitStack() as instant:
            for node in nodes:
                instant.enter_context(node.instant_mining())
            run_deploy(",".join(c.name for c in chains), console=console)
            demos = {c.name: d for c in chains if (d := demo_once(c, settings, console)) is not None}

        env = {**os.environ, "DATABASE_URL": services.database_url, "REDIS_URL": services.redis_url,
               "DEPLOYMENTS_DIR": str(settings.deployments_dir)}
        children = Children(env, log_dir)
        for chain in chains:
            children.start(f"indexer-{chain.name}", "index", "--chain", chain.name)
        children.start("worker", "worker")
        children.start("webhooks", "webhooks")  # outbox events to webhook deliveries (the webhook worker sends them)
        children.start("webhook-worker", "worker", "--webhooks")  # webhook deliveries, in-process jobs
        children.start("notifications", "notifications")  # outbox events to in-app notifications and emails
        children.start("api", "api", "--host", "127.0.0.1", "--port", str(port))
        base = f"http://127.0.0.1:{port}"
        web = start_web(children, web_port, base, console)
        wait_for(lambda: httpx.get(f"{base}/health/readiness", timeout=2).status_code == 200,
                 "the API to be ready", timeout, children)

        def indexed() -> bool:
            status = {c["chain_id"]: c for c in httpx.get(f"{base}/v1/chains", timeout=5).json()["items"]}
            return all((status.get(d.chain_id) or {}).get("indexed_block", -1) >= d.last_block for d in demos.values())

        wait_for(indexed, "the index to hold the demo", timeout, children)
        market_demo_once(base, chains[0], settings, console)
        print_summary(base, demos, web)
        while True:
            time.sleep(0.5)
            if children.dead():
                raise ConfigError(f"{', '.join(children.dead())} exited; see the logs in {log_dir}")
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C (or the terminal's SIGINT reaching us twice) must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        console.print("stopping...")
        if children is not None:
            children.stop()
        for node in reversed(nodes):
            node.stop()
        if services is not None:
            services.stop()
        console.print("stopped.")
