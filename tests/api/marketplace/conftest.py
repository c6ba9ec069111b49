"""Marketplace fixtures: ``market`` (anvil + Lancer + indexer on demand + the API on a fresh database);
the lighter tests use the session ``client`` (no chain needed: projects on the native coin)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.kit.crypto import data_key_ring
from api.kit.encrypted import attach_key_ring
from devtools.anvil import AnvilProcess
from indexer.core.db import make_engine
from tests.support.chainkit import deploy_platform
from tests.support.easkit import add_eas
from tests.support.indexing import chain_config
from devtools.accounts import local_dev_account
from tests.support.market_env import CONFIRMATIONS, MarketEnv
from tests.support.stack_settings import stack_settings

VERIFIER = local_dev_account(8)


@pytest.fixture(scope="module")
def market(database_factory: Callable[[str], str], redis_url: str, redis_prefix: str,
           tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[MarketEnv]:
    node = AnvilProcess(31337).start()
    try:
        deployments = tmp_path_factory.mktemp("market-deployments")
        platform = deploy_platform(node, deployments, seed=13)
        add_eas(platform, deployments)  # skill attestations verify users' skills
        chain = chain_config(node, confirmations=CONFIRMATIONS, name="anvil-1")
        url = database_factory(f"mkt_{request.module.__name__.rsplit('.', 1)[-1][:20]}")
        settings = stack_settings(url, redis_url, f"{redis_prefix}{secrets.token_hex(3)}:", [chain],
                                  Path(deployments), admin_addresses=[VERIFIER.address])
        engine = attach_key_ring(make_engine(url), data_key_ring(settings))
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield MarketEnv(platform, chain, engine, client)
        engine.dispose()
    finally:
        node.stop()
