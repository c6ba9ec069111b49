"""Reputation fixture: one anvil with Lancer + EAS, a fresh database, the API on it, an indexer
(run on demand, to the head) and an rq worker (burst) for the attestation jobs. Nothing is mocked."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from redis import Redis

from api.app import create_app
from api.kit import queue as jobs
from api.kit.crypto import data_key_ring
from api.kit.encrypted import attach_key_ring
from api.settings import ApiSettings
from devtools.anvil import AnvilProcess
from indexer.core.db import make_engine
from indexer.core.registry import ChainRegistry, registry_json
from tests.support.chainkit import deploy_platform
from tests.support.indexing import chain_config
from tests.support.easkit import add_eas
from tests.support.api_client import DOMAIN, URI
from tests.support.reputation_env import ADMIN, CONFIRMATIONS, VERIFIER, Env


@pytest.fixture(scope="module")
def env(database_factory: Callable[[str], str], redis_url: str, redis_prefix: str,
        tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Env]:
    # A module may start its chain in the past (ANVIL_ARGS = ["--timestamp", ...]) to make decay visible.
    node = AnvilProcess(31337, extra_args=list(getattr(request.module, "ANVIL_ARGS", []))).start()
    try:
        deployments = tmp_path_factory.mktemp("rep-deployments")
        platform = deploy_platform(node, deployments, seed=21)
        eas = add_eas(platform, deployments)
        chain = chain_config(node, confirmations=CONFIRMATIONS, name="anvil-1")
        url = database_factory(f"rep_{request.module.__name__.rsplit('.', 1)[-1][:20]}")
        prefix = f"{redis_prefix}{secrets.token_hex(3)}:"
        settings = ApiSettings(
            database_url=url, redis_url=redis_url, redis_key_prefix=prefix, environment="test",
            chain_registry_json=registry_json(ChainRegistry(chains=[chain])), deployments_dir=Path(deployments),
            siwe_domain=DOMAIN, siwe_uri=URI, jwt_keys=json.dumps({"k1": secrets.token_urlsafe(48)}),
            jwt_active_kid="k1", totp_encryption_keys=json.dumps({"t1": base64.b64encode(secrets.token_bytes(32)).decode()}),
            totp_active_kid="t1", admin_addresses=[ADMIN.address], verifier_addresses=[VERIFIER.address],
            ratelimit_enabled=False, _env_file=None)  # type: ignore[call-arg]
        jobs.configure(settings)
        engine = attach_key_ring(make_engine(url), data_key_ring(settings))
        redis = Redis.from_url(redis_url)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield Env(platform, eas, chain, engine, settings, client, redis)
        engine.dispose()
        redis.close()
    finally:
        node.stop()
