"""Marketplace fixtures: ``market`` (anvil + Lancer + indexer on demand + the API on a fresh database);
the lighter tests use the session ``client`` (no chain needed: projects on the native coin)."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.kit.crypto import data_key_ring
from api.kit.encrypted import attach_key_ring
from api.settings import ApiSettings
from devtools.anvil import AnvilProcess
from indexer.core.db import make_engine
from indexer.core.registry import ChainRegistry, registry_json
from tests.support.api_client import DOMAIN, URI
from tests.support.chainkit import deploy_platform
from tests.support.easkit import add_eas
from tests.support.indexing import chain_config
from devtools.accounts import local_dev_account
from tests.support.market_env import CONFIRMATIONS, MarketEnv

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
        settings = ApiSettings(
            database_url=url, redis_url=redis_url, redis_key_prefix=f"{redis_prefix}{secrets.token_hex(3)}:",
            environment="test", chain_registry_json=registry_json(ChainRegistry(chains=[chain])),
            deployments_dir=Path(deployments), siwe_domain=DOMAIN, siwe_uri=URI,
            jwt_keys=json.dumps({"k1": secrets.token_urlsafe(48)}), jwt_active_kid="k1",
            totp_encryption_keys=json.dumps({"t1": base64.b64encode(secrets.token_bytes(32)).decode()}),
            totp_active_kid="t1", ratelimit_enabled=False, admin_addresses=[VERIFIER.address],
            _env_file=None)  # type: ignore[call-arg]
        engine = attach_key_ring(make_engine(url), data_key_ring(settings))
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield MarketEnv(platform, chain, engine, client)
        engine.dispose()
    finally:
        node.stop()
