"""Issue 12 #9: credentials never buy a way around the per-IP limit, and failed authentications count."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings

HOLDER = "0x" + "12" * 20


def test_random_api_keys_on_a_public_read_route_hit_429(settings_factory: Callable[..., ApiSettings],
                                                        redis_prefix: str) -> None:
    # The production defaults of the limits (the test settings raise them).
    settings = settings_factory(redis_key_prefix=f"{redis_prefix}af-{uuid.uuid4().hex[:6]}:",
                                ratelimit_ip_per_window=300, ratelimit_principal_per_window=600,
                                ratelimit_auth_failures_per_window=30)
    with TestClient(create_app(settings)) as c:
        codes = [c.get(f"/v1/accounts/{HOLDER}/balances",
                       headers={"X-API-Key": "lnc_" + secrets.token_urlsafe(24)}).status_code for _ in range(350)]
    assert 429 in codes, set(codes)
    assert set(codes) <= {401, 429}
    # Failed authentications are counted: the 31st guess is refused, long before the 300-request bucket.
    assert codes.index(429) == 30, codes.index(429)


def test_the_ip_bucket_applies_even_with_valid_credentials(settings_factory: Callable[..., ApiSettings],
                                                           redis_prefix: str, signed_in: dict[str, object]) -> None:
    settings = settings_factory(redis_key_prefix=f"{redis_prefix}af-{uuid.uuid4().hex[:6]}:",
                                ratelimit_ip_per_window=3)
    with TestClient(create_app(settings)) as c:
        from tests.support.api_client import bearer, login

        token = login(c, signed_in["account"])["tokens"]["access_token"]
        codes = [c.get(f"/v1/accounts/{HOLDER}/balances", headers=bearer(token)).status_code for _ in range(5)]
    assert codes.count(429) >= 1, codes
