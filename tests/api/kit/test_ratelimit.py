"""Rate limits: 429 with Retry-After and RateLimit headers, recovery after the window, shared across processes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from tests.support.api_client import bearer, login


def test_auth_routes_limited_per_ip_and_recover(settings_factory: Callable[..., ApiSettings],
                                                redis_prefix: str) -> None:
    settings = settings_factory(redis_key_prefix=f"{redis_prefix}rl-{uuid.uuid4().hex[:6]}:",
                                ratelimit_window_seconds=2, ratelimit_auth_ip_per_window=3)
    # Two app instances on one Redis = two API processes: the budget is shared.
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        r = one.get("/v1/auth/nonce")
        assert r.status_code == 200
        assert r.headers["RateLimit-Limit"] == "3" and r.headers["RateLimit-Remaining"] == "2"
        assert int(r.headers["RateLimit-Reset"]) <= 2
        assert two.get("/v1/auth/nonce").status_code == 200
        assert one.get("/v1/auth/nonce").status_code == 200
        blocked = two.get("/v1/auth/nonce")
        assert blocked.status_code == 429
        assert blocked.headers["content-type"].startswith("application/problem+json")
        assert int(blocked.headers["Retry-After"]) >= 1 and blocked.headers["RateLimit-Remaining"] == "0"
        # Non-auth routes have their own (larger) budget.
        assert one.get("/v1/auth/scopes").status_code == 200
        assert one.get("/health/liveness").status_code == 200
        time.sleep(int(blocked.headers["Retry-After"]) + 0.2)
        assert one.get("/v1/auth/nonce").status_code == 200


def test_per_principal_limit(settings_factory: Callable[..., ApiSettings], redis_prefix: str, account: Any) -> None:
    settings = settings_factory(redis_key_prefix=f"{redis_prefix}rl-{uuid.uuid4().hex[:6]}:",
                                ratelimit_window_seconds=30, ratelimit_principal_per_window=3)
    with TestClient(create_app(settings)) as c:
        token = login(c, account)["tokens"]["access_token"]
        codes = [c.get("/v1/me", headers=bearer(token)).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        # Another user is not affected.
        from eth_account import Account

        other = login(c, Account.create())["tokens"]["access_token"]
        assert c.get("/v1/me", headers=bearer(other)).status_code == 200
