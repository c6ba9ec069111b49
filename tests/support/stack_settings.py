"""The ApiSettings of a test stack: the test database and Redis prefix, one chain registry, fresh JWT and
TOTP keys, the test SIWE domain and rate limits off. Each stack passes what it needs on top as overrides."""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path
from typing import Any

from api.settings import ApiSettings
from indexer.core.registry import ChainConfig, ChainRegistry, registry_json
from tests.support.api_client import DOMAIN, URI


def stack_settings(database_url: str, redis_url: str, redis_key_prefix: str, chains: list[ChainConfig],
                   deployments_dir: Path, **overrides: Any) -> ApiSettings:
    values: dict[str, Any] = {
        "database_url": database_url, "redis_url": redis_url, "redis_key_prefix": redis_key_prefix,
        "environment": "test", "chain_registry_json": registry_json(ChainRegistry(chains=chains)),
        "deployments_dir": Path(deployments_dir), "siwe_domain": DOMAIN, "siwe_uri": URI,
        "jwt_keys": json.dumps({"k1": secrets.token_urlsafe(48)}), "jwt_active_kid": "k1",
        "totp_encryption_keys": json.dumps({"t1": base64.b64encode(secrets.token_bytes(32)).decode()}),
        "totp_active_kid": "t1", "ratelimit_enabled": False, "_env_file": None}
    values.update(overrides)
    return ApiSettings(**values)
