"""API test fixtures: an app on the session's real PostgreSQL database and Redis prefix, local anvils.

Helpers build SIWE messages with the ``siwe`` library (a standard client) and sign them with
``eth-account``, exactly as a dApp would.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from fastapi.testclient import TestClient
from siwe import SiweMessage

from api.app import create_app
from api.settings import ApiSettings
from indexer.core.registry import ChainRegistry, registry_json

DOMAIN = "app.lancer.test"
URI = "https://app.lancer.test"
ADMIN = Account.from_key("0x" + "a1" * 32)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture(scope="session")
def settings_factory(database_url: str, redis_url: str, redis_prefix: str,
                     local_registry: ChainRegistry) -> Callable[..., ApiSettings]:
    jwt_keys = json.dumps({"k1": secrets.token_urlsafe(48)})
    totp_keys = json.dumps({"t1": base64.b64encode(secrets.token_bytes(32)).decode()})

    def make(**overrides: Any) -> ApiSettings:
        values: dict[str, Any] = {
            "database_url": database_url, "redis_url": redis_url, "redis_key_prefix": redis_prefix,
            "chain_registry_json": registry_json(local_registry), "environment": "test",
            "siwe_domain": DOMAIN, "siwe_uri": URI, "jwt_keys": jwt_keys, "jwt_active_kid": "k1",
            "totp_encryption_keys": totp_keys, "totp_active_kid": "t1", "admin_addresses": [ADMIN.address],
            "ratelimit_ip_per_window": 100_000, "ratelimit_auth_ip_per_window": 100_000,
            "ratelimit_principal_per_window": 100_000, "cors_origins": [URI],
        }
        values.update(overrides)
        return ApiSettings(**values)

    return make


@pytest.fixture(scope="session")
def api_settings(settings_factory: Callable[..., ApiSettings]) -> ApiSettings:
    return settings_factory()


@pytest.fixture(scope="session")
def client(api_settings: ApiSettings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings), raise_server_exceptions=False) as c:
        yield c


def build_message(address: str, nonce: str, *, chain_id: int = 31337, domain: str = DOMAIN, uri: str = URI,
                  issued_at: datetime | None = None, expiration: datetime | None = None,
                  not_before: datetime | None = None, statement: str | None = "Sign in to Lancer") -> str:
    fields: dict[str, Any] = {
        "domain": domain, "address": address, "uri": uri, "version": "1", "chain_id": chain_id,
        "nonce": nonce, "issued_at": iso(issued_at or datetime.now(UTC)), "statement": statement,
    }
    if expiration:
        fields["expiration_time"] = iso(expiration)
    if not_before:
        fields["not_before"] = iso(not_before)
    return SiweMessage(**fields).prepare_message()


def sign(account: Any, message: str) -> str:
    return "0x" + account.sign_message(encode_defunct(text=message)).signature.hex().removeprefix("0x")


def new_nonce(client: TestClient) -> str:
    r = client.get("/v1/auth/nonce")
    assert r.status_code == 200, r.text
    return r.json()["nonce"]


def siwe_body(client: TestClient, account: Any, **kwargs: Any) -> dict[str, str]:
    message = build_message(account.address, kwargs.pop("nonce", None) or new_nonce(client), **kwargs)
    return {"message": message, "signature": sign(account, message)}


def login(client: TestClient, account: Any, ua: str = "pytest-device", **kwargs: Any) -> dict[str, Any]:
    r = client.post("/v1/auth/siwe", json=siwe_body(client, account, **kwargs), headers={"User-Agent": ua})
    assert r.status_code == 200, r.text
    return r.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def account() -> Any:
    return Account.create()


@pytest.fixture
def signed_in(client: TestClient, account: Any) -> dict[str, Any]:
    out = login(client, account)
    assert out["mfa_required"] is False
    return {"account": account, **out["tokens"]}


def past(seconds: int) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=seconds)


def future(seconds: int) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)
