"""Repeated anonymous reads answered before routing (api.kit.fastread, issue 19): the same answer as the
full path, never stale past the index version, and never for callers with credentials or over the limit."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from api.app import create_app
from tests.support.read_stack import Stack

# Headers that differ per request (or per rate-limit count); everything else must be identical.
_PER_REQUEST = {"x-request-id", "ratelimit-remaining", "ratelimit-reset", "date"}


def _fast() -> float:
    return REGISTRY.get_sample_value("lancer_fast_reads_total") or 0.0


def _full(client: TestClient, path: str) -> tuple[int, bytes, dict[str, str]]:
    r = client.get(path, headers={"If-None-Match": '"not-this"'})  # a conditional read takes the full path
    return r.status_code, r.content, {k: v for k, v in r.headers.items() if k not in _PER_REQUEST}


def test_a_repeated_anonymous_read_is_answered_before_routing_with_the_same_answer(stack: Stack) -> None:
    settings = stack.settings.model_copy(update={"cache_version_ttl_seconds": 60,
                                                 "redis_key_prefix": stack.settings.redis_key_prefix + "fr1:"})
    c = stack.chains[31337]
    paths = [f"/v1/accounts/{c.demo.accounts['client'].lower()}/balances", "/v1/escrows?limit=5&state=completed",
             f"/v1/escrows/31337/{c.demo.escrows['completed_lnc']}", "/v1/treasury", "/v1/carbon/summary"]
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        for path in paths:
            first = client.get(path)
            assert first.status_code == 200, first.text
            before = _fast()
            again = client.get(path)
            assert _fast() == before + 1, path  # answered by the fast path
            assert again.status_code == 200 and again.content == first.content
            full = _full(client, path)
            fast = {k: v for k, v in again.headers.items() if k not in _PER_REQUEST}
            assert full == (200, again.content, fast), path
            assert again.headers["x-request-id"] and again.headers["ratelimit-limit"]
        text = client.get("/metrics").text  # labelled by route template, as on the full path
        assert 'lancer_http_requests_total{method="GET",route="/v1/accounts/{address}/balances",status="200"}' in text


def test_credentials_and_a_new_index_version_take_the_full_path(stack: Stack) -> None:
    settings = stack.settings.model_copy(update={"cache_version_ttl_seconds": 60,
                                                 "redis_key_prefix": stack.settings.redis_key_prefix + "fr2:"})
    c = stack.chains[31337]
    sender, receiver = c.demo.accounts["client"], c.demo.accounts["freelancer"]
    path = f"/v1/accounts/{receiver}/balances?chain=31337"
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        old = client.get(path)
        assert client.get(path).content == old.content
        before = _fast()
        # Made-up credentials are a 401 whatever the cache holds.
        assert client.get(path, headers={"X-API-Key": "lnc_bogus_key"}).status_code == 401
        assert client.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert _fast() == before
        # The index moves: the next answer is under the new version, never the old body.
        c.lancer.send(c.lancer.token.functions.transfer(receiver, 11), sender)
        stack.mine_confirmations(31337)
        client.app.state.read_cache._read_version()  # as the refresher does every TTL/2
        new = client.get(path)
        assert new.status_code == 200 and new.content != old.content and _fast() == before
        assert client.get(path).content == new.content and _fast() == before + 1
        assert _full(client, path)[1] == new.content


def test_the_per_ip_limit_applies_on_the_fast_path(stack: Stack) -> None:
    settings = stack.settings.model_copy(update={"cache_version_ttl_seconds": 60, "ratelimit_ip_per_window": 3,
                                                 "redis_key_prefix": stack.settings.redis_key_prefix + "fr3:"})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        before = _fast()
        answers = [client.get("/v1/treasury") for _ in range(4)]
        assert [r.status_code for r in answers] == [200, 200, 200, 429] and _fast() == before + 2
        denied = answers[-1]
        assert denied.headers["content-type"] == "application/problem+json"
        assert denied.json()["type"] == "/problems/rate-limited" and denied.headers["retry-after"]
        assert denied.headers["x-request-id"] == denied.json()["request_id"]
