"""API test fixtures: an app on the session's real PostgreSQL database and Redis prefix, local anvils.
Helpers (SIWE messages, sign-in, headers) live in ``tests.support.api_client``."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from sqlalchemy import Engine

from api.app import create_app
from api.kit.crypto import data_key_ring
from api.kit.encrypted import attach_key_ring
from api.settings import ApiSettings
from indexer.core.registry import ChainRegistry, registry_json
from tests.support.api_client import ADMIN, DOMAIN, URI, login


@pytest.fixture(scope="session")
def settings_factory(database_url: str, redis_url: str, redis_prefix: str,
                     local_registry: ChainRegistry) -> Callable[..., ApiSettings]:
    jwt_keys = json.dumps({"k1": secrets.token_urlsafe(48)})
    totp_keys = json.dumps({"t1": base64.b64encode(secrets.token_bytes(32)).decode()})
    data_keys = json.dumps({"d1": base64.b64encode(secrets.token_bytes(32)).decode()})

    def make(**overrides: Any) -> ApiSettings:
        values: dict[str, Any] = {
            "database_url": database_url, "redis_url": redis_url, "redis_key_prefix": redis_prefix,
            "chain_registry_json": registry_json(local_registry), "environment": "test",
            "siwe_domain": DOMAIN, "siwe_uri": URI, "jwt_keys": jwt_keys, "jwt_active_kid": "k1",
            "totp_encryption_keys": totp_keys, "totp_active_kid": "t1", "admin_addresses": [ADMIN.address],
            "data_encryption_keys": data_keys, "data_active_kid": "d1",
            "ratelimit_ip_per_window": 100_000, "ratelimit_auth_ip_per_window": 100_000,
            "ratelimit_principal_per_window": 100_000, "ratelimit_rpc_ip_per_window": 100_000,
            "ratelimit_auth_failures_per_window": 100_000,
            "cors_origins": [URI],
        }
        values.update(overrides)
        return ApiSettings(**values)

    return make


@pytest.fixture(scope="session")
def api_settings(settings_factory: Callable[..., ApiSettings]) -> ApiSettings:
    return settings_factory()


@pytest.fixture(scope="session")
def engine(engine: Engine, api_settings: ApiSettings) -> Engine:
    """The session's engine, with the API's data key ring (ORM loads of encrypted columns open)."""
    return attach_key_ring(engine, data_key_ring(api_settings))


@pytest.fixture(scope="session")
def client(api_settings: ApiSettings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def account() -> Any:
    return Account.create()


@pytest.fixture
def signed_in(client: TestClient, account: Any) -> dict[str, Any]:
    out = login(client, account)
    assert out["mfa_required"] is False
    return {"account": account, **out["tokens"]}
