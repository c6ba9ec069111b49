"""Reputation fixture: one anvil with Lancer + EAS, a fresh database, the API on it, an indexer
(run on demand, to the head) and an rq worker (burst) for the attestation jobs. Nothing is mocked."""

from __future__ import annotations

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
from devtools.anvil import AnvilProcess
from indexer.core.db import make_engine
from tests.support.chainkit import deploy_platform
from tests.support.indexing import chain_config
from tests.support.easkit import add_eas
from tests.support.reputation_env import ADMIN, CONFIRMATIONS, VERIFIER, Env
from tests.support.stack_settings import stack_settings


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
        settings = stack_settings(
            url, redis_url, prefix, [chain], Path(deployments),
            admin_addresses=[ADMIN.address], verifier_addresses=[VERIFIER.address])
        jobs.configure(settings)
        engine = attach_key_ring(make_engine(url), data_key_ring(settings))
        redis = Redis.from_url(redis_url)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield Env(platform, eas, chain, engine, settings, client, redis)
        engine.dispose()
        redis.close()
    finally:
        node.stop()
