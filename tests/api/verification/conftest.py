"""Skill verification fixture: one anvil with Lancer + EAS (a pass issues a verified_skill attestation),
a fresh database, the API, an rq worker run on demand for the sandbox job, evidence in a temporary
directory. Nothing is mocked."""

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
from tests.support.easkit import add_eas
from tests.support.indexing import chain_config
from tests.support.reputation_env import ADMIN, CONFIRMATIONS, VERIFIER, Env
from tests.support.stack_settings import stack_settings


@pytest.fixture(scope="module")
def env(database_factory: Callable[[str], str], redis_url: str, redis_prefix: str,
        tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Env]:
    node = AnvilProcess(31337).start()
    try:
        deployments = tmp_path_factory.mktemp("verify-deployments")
        platform = deploy_platform(node, deployments, seed=31)
        eas = add_eas(platform, deployments)
        chain = chain_config(node, confirmations=CONFIRMATIONS, name="anvil-1")
        url = database_factory(f"ver_{request.module.__name__.rsplit('.', 1)[-1][:20]}")
        settings = stack_settings(
            url, redis_url, f"{redis_prefix}{secrets.token_hex(3)}:", [chain], Path(deployments),
            admin_addresses=[ADMIN.address], verifier_addresses=[VERIFIER.address],
            verification_storage_dir=tmp_path_factory.mktemp("evidence"),
            verification_evidence_max_bytes=4096, verification_sandbox_cpu_seconds=1,
            verification_sandbox_wall_seconds=4, verification_sandbox_memory_mb=128)
        jobs.configure(settings)
        engine = attach_key_ring(make_engine(url), data_key_ring(settings))
        redis = Redis.from_url(redis_url)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield Env(platform, eas, chain, engine, settings, client, redis)
        engine.dispose()
        redis.close()
    finally:
        node.stop()
