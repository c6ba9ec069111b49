"""Fixture: the read API against a real stack: two anvil chains with Lancer deployed and the demo scenario
played, one indexer thread per chain following the head, the app on a fresh database and Redis prefix.

Nothing is mocked; tests compare the API with the contracts' own views.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import AnyHttpUrl
from web3 import HTTPProvider, Web3

from api.app import create_app
from api.settings import ApiSettings
from contracts.client import LancerContracts
from contracts.deploy import deploy_chain
from contracts.deploy_config import DeploySettings
from contracts.demo import run_demo
from devtools.anvil import AnvilProcess
from indexer.sources.platform import platform_contract_set
from indexer.core.db import make_engine
from indexer.core.deployments import load_deployment
from indexer.core.registry import ChainRegistry, load_registry, registry_json
from indexer.sync import SyncOptions
from indexer.worker import run_chain
from tests.support.api_client import DOMAIN, URI
from tests.support.read_stack import CHAIN_IDS, ChainUnderTest, Stack

@pytest.fixture(scope="session")
def readapi_stack(database_factory: Callable[[str], str], redis_url: str, redis_prefix: str,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("readapi")
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
    database_url = database_factory("readapi")
    engine = make_engine(database_url)
    try:
        deploy_settings = DeploySettings(chain_registry_json=reg_json, deployments_dir=deployments_dir,
                                         data_dir=tmp / "data", _env_file=None)
        under_test: dict[int, ChainUnderTest] = {}
        for cid, node in nodes.items():
            config = registry.by_id(cid)
            deploy_chain(config, deploy_settings, extensions=[])
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
        settings = ApiSettings(
            database_url=database_url, redis_url=redis_url, redis_key_prefix=f"{redis_prefix}readapi:",
            chain_registry_json=reg_json, deployments_dir=deployments_dir, environment="test",
            ratelimit_ip_per_window=1_000_000, ratelimit_principal_per_window=1_000_000,
            ratelimit_auth_ip_per_window=1_000_000, cache_version_ttl_seconds=0, siwe_domain=DOMAIN, siwe_uri=URI,
            jwt_keys=json.dumps({"k1": secrets.token_urlsafe(48)}), jwt_active_kid="k1",
            totp_encryption_keys=json.dumps({"t1": base64.b64encode(secrets.token_bytes(32)).decode()}),
            totp_active_kid="t1", _env_file=None)
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


@pytest.fixture(scope="session")
def stack(readapi_stack: Stack) -> Stack:
    return readapi_stack
