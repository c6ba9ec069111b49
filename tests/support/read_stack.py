"""The read API's real stack as a value: chains (anvil + deployed Lancer + demo), the API client, and
waiting for the indexer. Built by ``build_stack`` (the ``readapi_stack`` fixture in tests/api/reads/conftest.py, and tests/web)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import AnyHttpUrl
from web3 import HTTPProvider, Web3

from api.app import create_app
from api.settings import ApiSettings
from contracts.client import LancerContracts
from contracts.demo import DemoResult, run_demo
from contracts.deploy import deploy_chain
from contracts.economy_deploy import TokenEconomyExtension
from contracts.deploy_config import DeploySettings
from devtools.anvil import AnvilProcess
from indexer.core.db import make_engine
from indexer.core.deployments import load_deployment
from indexer.core.registry import ChainConfig, ChainRegistry, load_registry, registry_json
from indexer.sources.platform import platform_contract_set
from indexer.sync import SyncOptions
from indexer.worker import run_chain
from tests.support.stack_settings import stack_settings

CHAIN_IDS = (31337, 31338)
CONFIRMATIONS = 3


@dataclass
class ChainUnderTest:
    config: ChainConfig
    node: AnvilProcess
    w3: Web3
    lancer: LancerContracts
    demo: DemoResult


@dataclass
class Stack:
    chains: dict[int, ChainUnderTest]
    client: TestClient
    settings: ApiSettings
    deployments_dir: Path

    def wait_indexed(self, chain_id: int, block: int | None = None, timeout: float = 30.0) -> None:
        """Until the index of ``chain_id`` holds ``block`` (default: the node's head)."""
        target = self.chains[chain_id].w3.eth.block_number if block is None else block
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            items = {c["chain_id"]: c for c in self.client.get("/v1/chains").json()["items"]}
            c = items[chain_id]
            if (c["indexed_block"] or -1) >= target and c["head_block"] == self.chains[chain_id].w3.eth.block_number:
                return
            time.sleep(0.05)
        raise AssertionError(f"chain {chain_id} not indexed up to {target} in {timeout}s")

    def mine_confirmations(self, chain_id: int) -> None:
        self.chains[chain_id].node.mine(CONFIRMATIONS + 1)
        self.wait_indexed(chain_id)


def get_ok(client: TestClient, url: str, **kwargs: Any) -> Any:
    r = client.get(url, **kwargs)
    assert r.status_code == 200, (url, r.status_code, r.text[:500])
    return r.json()


def build_stack(label: str, database_factory: Callable[[str], str], redis_url: str, redis_prefix: str,
                tmp_path_factory: pytest.TempPathFactory, *, economy: bool = False) -> Iterator[Stack]:
    """The stack on its own database, Redis prefix and anvils (`label` names them); other suites reuse it.
    With `economy`, the token economy (MerkleDistributor, LancerStaking) is deployed and indexed too."""
    tmp = tmp_path_factory.mktemp(label)
    deployments_dir = tmp / "deployments"
    nodes = {cid: AnvilProcess(cid).start() for cid in CHAIN_IDS}
    base = load_registry()
    chains = []
    for c in base.chains:
        if c.chain_id in nodes:
            c = c.model_copy(update={"rpc_urls": [AnyHttpUrl(nodes[c.chain_id].url)], "block_time_seconds": 0.2})
        chains.append(c)
    registry = ChainRegistry(chains=chains)
    reg_json = registry_json(registry)
    stop = threading.Event()
    threads: list[threading.Thread] = []
    database_url = database_factory(label)
    engine = make_engine(database_url)
    try:
        deploy_settings = DeploySettings(chain_registry_json=reg_json, deployments_dir=deployments_dir,
                                         data_dir=tmp / "data", _env_file=None)
        under_test: dict[int, ChainUnderTest] = {}
        for cid, node in nodes.items():
            config = registry.by_id(cid)
            deploy_chain(config, deploy_settings, extensions=[TokenEconomyExtension()] if economy else [])
            deployment = load_deployment(deployments_dir, cid)
            assert deployment is not None
            w3 = Web3(HTTPProvider(node.url, request_kwargs={"timeout": 30}))
            demo = run_demo(w3, deployment)
            under_test[cid] = ChainUnderTest(config, node, w3, LancerContracts(w3, deployment), demo)
            options = SyncOptions(initial_range=50, max_range=500, poll_interval=0.05)
            thread = threading.Thread(
                target=run_chain, args=(engine, config, platform_contract_set(deployment)),
                kwargs={"stop": stop, "options": options}, daemon=True, name=f"indexer-{cid}")
            thread.start()
            threads.append(thread)
        # Rate limits on (the read routes declare theirs), with budgets no test reaches.
        settings = stack_settings(
            database_url, redis_url, f"{redis_prefix}{label}:", list(registry.chains), deployments_dir,
            ratelimit_enabled=True, ratelimit_ip_per_window=1_000_000, ratelimit_principal_per_window=1_000_000,
            ratelimit_auth_ip_per_window=1_000_000, cache_version_ttl_seconds=0)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            stack = Stack(under_test, client, settings, deployments_dir)
            for cid, c in under_test.items():
                stack.wait_indexed(cid, c.demo.last_block, timeout=60)
            yield stack
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        engine.dispose()
        for node in nodes.values():
            node.stop()
