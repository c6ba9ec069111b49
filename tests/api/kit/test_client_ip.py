"""Issue 12 #1: the client IP behind proxies cannot be forged, and IPv6 clients count per /64."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.kit.client import forwarded_client, rate_identity
from api.settings import ApiSettings


@pytest.mark.parametrize(("header", "hops", "expected"), [
    ([], 1, "10.0.0.1"),                                             # no header: the peer
    (["203.0.113.9"], 0, "10.0.0.1"),                                # no trusted proxy: header ignored
    (["1.2.3.4, 203.0.113.9"], 1, "203.0.113.9"),                    # forged left entry ignored
    (["1.2.3.4, 203.0.113.9, 10.1.1.1"], 2, "203.0.113.9"),          # CDN + ingress
    (["1.2.3.4", "203.0.113.9"], 1, "203.0.113.9"),                  # repeated headers are one list
    (["1.2.3.4, not-an-ip"], 1, "10.0.0.1"),                          # garbage at the trusted slot: the peer
    (["203.0.113.9"], 3, "203.0.113.9"),                             # fewer entries than hops
])
def test_forwarded_client_takes_the_entry_of_the_outermost_trusted_proxy(header: list[str], hops: int,
                                                                          expected: str) -> None:
    assert forwarded_client("10.0.0.1", header, hops) == expected


def test_ipv6_clients_share_their_64() -> None:
    assert rate_identity("2001:db8:1:2:aaaa::1") == rate_identity("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert rate_identity("2001:db8:1:3::1") != rate_identity("2001:db8:1:2::1")
    assert rate_identity("::ffff:198.51.100.7") == "198.51.100.7"
    assert rate_identity("198.51.100.7") == "198.51.100.7"


def _limited(settings_factory: Callable[..., ApiSettings], redis_prefix: str) -> ApiSettings:
    # TRUST_FORWARDED_FOR=true is what the shipped Kubernetes config set before (ignored now).
    return settings_factory(redis_key_prefix=f"{redis_prefix}ip-{uuid.uuid4().hex[:6]}:", trust_forwarded_for=True,
                            trusted_proxy_hops=1, ratelimit_ip_per_window=5, ratelimit_window_seconds=60)


def test_forging_x_forwarded_for_gets_no_new_budget(settings_factory: Callable[..., ApiSettings],
                                                    redis_prefix: str) -> None:
    with TestClient(create_app(_limited(settings_factory, redis_prefix))) as c:
        codes = [c.get("/v1/auth/scopes", headers={"X-Forwarded-For": f"10.9.{i}.1, 198.51.100.7"}).status_code
                 for i in range(8)]
    assert codes.count(429) == 3, codes


def test_an_ipv6_client_rotating_addresses_in_its_64_is_one_client(
        settings_factory: Callable[..., ApiSettings], redis_prefix: str) -> None:
    with TestClient(create_app(_limited(settings_factory, redis_prefix))) as c:
        codes = [c.get("/v1/auth/scopes", headers={"X-Forwarded-For": f"2001:db8:7:7::{i + 1:x}"}).status_code
                 for i in range(8)]
    assert codes.count(429) == 3, codes
