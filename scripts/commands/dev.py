"""`lancer dev`: the whole local platform in one command.

Starts the registry's local anvil chains (state kept in the data folder, so a second run resumes
the same chains), deploys the contracts to each (idempotent), and keeps running until Ctrl-C, which
stops every process cleanly.
"""

from __future__ import annotations

import signal
import threading
from urllib.parse import urlparse

import click
from rich.console import Console

from indexer.anvil import AnvilProcess
from indexer.errors import ConfigError
from indexer.registry import ChainConfig
from indexer.settings import get_chain_settings
from scripts.commands.deploy import run_deploy


def start_local_chain(chain: ChainConfig, data_dir) -> AnvilProcess:  # type: ignore[no-untyped-def]
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


@click.command("dev")
def dev_command() -> None:
    """Run the local platform: two anvil chains with Lancer deployed (Ctrl-C stops it)."""
    console = Console(stderr=True)
    settings = get_chain_settings()
    chains = settings.registry().local_chains
    if not chains:
        raise ConfigError("the chain registry has no local chains (\"local\": true) for `lancer dev`")
    (settings.data_dir / "logs").mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    nodes: list[AnvilProcess] = []
    try:
        for chain in chains:
            nodes.append(start_local_chain(chain, settings.data_dir))
            console.print(f"chain {chain.name} ({chain.chain_id}) at {chain.rpc_url_strings[0]}")
        run_deploy(",".join(c.name for c in chains), console=console)
        console.print("Lancer dev stack is up. Ctrl-C stops it.")
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        console.print("stopping...")
        for node in reversed(nodes):
            node.stop()
