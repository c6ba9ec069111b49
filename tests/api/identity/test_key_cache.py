"""Verified API keys remembered per API process (``api.identity.keycache``): a revoked key, or one whose
scopes were reduced, is refused by every process promptly, and nothing is served from memory when the
api_keys data version cannot be kept fresh. Two apps on the same database and Redis stand for two API
processes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eth_account import Account
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import Engine, text

from api.app import create_app
from api.settings import ApiSettings
from tests.support.api_client import bearer
from tests.support.cache_bounds import until

PROBE = "/v1/reputation/0x0000000000000000000000000000000000000001"  # scope read:reputation, cached answer


def _key(client: TestClient, scopes: list[str]) -> tuple[str, str, dict[str, str]]:
    """(key, key id, the owner's auth headers) of a new key of a new user."""
    from tests.support.api_client import login

    h = bearer(login(client, Account.create())["tokens"]["access_token"])
    r = client.post("/v1/me/api-keys", json={"name": "cache", "scopes": scopes}, headers=h)
    assert r.status_code == 201, r.text
    return r.json()["key"], r.json()["id"], h


def _remembered(client: TestClient, key: str) -> bool:
    """Whether this app answers ``key`` from memory now, after calling it once (which remembers it)."""
    assert client.get(PROBE, headers={"X-API-Key": key}).status_code == 200
    return client.app.state.authenticator.remembered_api_key(key) is not None  # type: ignore[attr-defined]


def test_a_key_revoked_in_one_process_is_refused_by_the_other(two: tuple[TestClient, TestClient]) -> None:
    a, b = two
    key, key_id, owner = _key(a, ["read:reputation"])
    until(lambda: _remembered(a, key) and _remembered(b, key))  # both serve it from memory
    assert a.delete(f"/v1/me/api-keys/{key_id}", headers=owner).status_code == 204
    # The process that revoked it: at once (its commit marks its version stale).
    assert a.get(PROBE, headers={"X-API-Key": key}).status_code == 401
    # The other: once its version moved (the api_keys trigger), well before its 10 s TTL.
    until(lambda: b.get(PROBE, headers={"X-API-Key": key}).status_code == 401)
    assert b.app.state.authenticator.remembered_api_key(key) is None  # type: ignore[attr-defined]


def test_reduced_scopes_and_a_deleted_user_are_seen_by_every_process(two: tuple[TestClient, TestClient],
                                                                       engine: Engine) -> None:
    a, b = two
    key, key_id, _ = _key(a, ["read:reputation", "read:chain"])
    until(lambda: _remembered(a, key) and _remembered(b, key))
    with engine.begin() as conn:  # another process's write: plain SQL, no app involved
        conn.execute(text("UPDATE api_keys SET scopes = ARRAY['read:chain'] WHERE id = :i"), {"i": key_id})
    for client in (a, b):
        until(lambda c=client: c.get(PROBE, headers={"X-API-Key": key}).status_code == 403)  # type: ignore[misc]

    other, other_id, _ = _key(a, ["read:reputation"])
    until(lambda: _remembered(a, other) and _remembered(b, other))
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET deleted_at = now() WHERE id = (SELECT user_id FROM api_keys "
                          "WHERE id = :i)"), {"i": other_id})
    for client in (a, b):
        until(lambda c=client: c.get(PROBE, headers={"X-API-Key": other}).status_code == 401)  # type: ignore[misc]


def test_the_ttl_bounds_a_write_that_escaped_the_triggers(settings_factory: Callable[..., ApiSettings],
                                                          engine: Engine) -> None:
    """The safety net: a revocation the api_keys version did not see (triggers off for that session) is
    still refused once API_KEY_CACHE_SECONDS have passed since the key was checked."""
    with TestClient(create_app(settings_factory(api_key_cache_seconds=1)), raise_server_exceptions=False) as c:
        key, key_id, _ = _key(c, ["read:reputation"])
        until(lambda: _remembered(c, key))
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))  # no trigger fires
            conn.execute(text("UPDATE api_keys SET revoked_at = now() WHERE id = :i"), {"i": key_id})
        until(lambda: c.get(PROBE, headers={"X-API-Key": key}).status_code == 401, seconds=3)


def test_nothing_is_served_from_memory_without_a_fresh_version(settings_factory: Callable[..., ApiSettings],
                                                               engine: Engine) -> None:
    """No version kept fresh (here: no refresher, CACHE_VERSION_TTL_SECONDS=0; in production: the database
    unreachable): every request checks the key in the database, so a revocation counts at once."""
    with TestClient(create_app(settings_factory(cache_version_ttl_seconds=0)), raise_server_exceptions=False) as c:
        key, key_id, _ = _key(c, ["read:reputation"])
        for _ in range(3):
            assert c.get(PROBE, headers={"X-API-Key": key}).status_code == 200
            assert c.app.state.authenticator.remembered_api_key(key) is None  # type: ignore[attr-defined]
        with engine.begin() as conn:
            conn.execute(text("UPDATE api_keys SET revoked_at = now() WHERE id = :i"), {"i": key_id})
        assert c.get(PROBE, headers={"X-API-Key": key}).status_code == 401


def _fast_reads() -> float:
    return REGISTRY.get_sample_value("lancer_fast_reads_total") or 0.0


def test_a_repeat_answered_before_routing_still_needs_the_routes_auth(two: tuple[TestClient, TestClient]) -> None:
    """Reputation with an API key is replayed before routing (``api.kit.fastread``) only to callers passing
    the route's own check: same body; no credentials 401, a key without the scope 403, a bad key 401."""
    a, _ = two
    key, _, _ = _key(a, ["read:reputation"])
    unscoped, _, _ = _key(a, ["read:chain"])
    until(lambda: _remembered(a, key) and a.get(PROBE, headers={"X-API-Key": unscoped}).status_code == 403
           and a.app.state.authenticator.remembered_api_key(unscoped) is not None)  # type: ignore[attr-defined]
    full = a.get(PROBE, headers={"X-API-Key": key})
    before = _fast_reads()
    fast = a.get(PROBE, headers={"X-API-Key": key})
    assert _fast_reads() == before + 1  # answered before routing
    assert fast.status_code == 200 and fast.content == full.content and fast.headers["etag"] == full.headers["etag"]
    assert "ratelimit-limit" in {h.lower() for h in fast.headers}
    assert a.get(PROBE).status_code == 401
    denied = a.get(PROBE, headers={"X-API-Key": unscoped})
    assert denied.status_code == 403 and denied.json()["type"] == "/problems/insufficient-scope"
    assert a.get(PROBE, headers={"X-API-Key": key[:-4] + "AAAA"}).status_code == 401
    assert a.get(PROBE, headers={"X-API-Key": key, "If-None-Match": fast.headers["etag"]}).status_code == 304
    assert _fast_reads() == before + 1  # none of those was


def test_usage_of_a_remembered_key_is_still_counted(two: tuple[TestClient, TestClient]) -> None:
    a, _ = two
    key, key_id, owner = _key(a, ["read:reputation"])
    until(lambda: _remembered(a, key))
    usage: Any = a.get(f"/v1/me/api-keys/{key_id}/usage", headers=owner).json()
    before = usage[0]["requests"]
    for _ in range(5):
        assert a.get(PROBE, headers={"X-API-Key": key}).status_code == 200
    until(lambda: a.get(f"/v1/me/api-keys/{key_id}/usage", headers=owner).json()[0]["requests"] == before + 5)


def test_a_remembered_key_on_a_public_read_keeps_the_scope_rule_and_counts_its_use(
        two: tuple[TestClient, TestClient]) -> None:
    """Public reads (the project search) take the one-command path for a remembered key holding the scope;
    a remembered key without it still gets the 403 before any per-principal hit, as on the usual path."""
    a, _ = two
    search = "/v1/projects?limit=1"
    key, key_id, owner = _key(a, ["read:marketplace", "read:reputation"])
    unscoped, _, _ = _key(a, ["read:reputation"])
    until(lambda: _remembered(a, key) and _remembered(a, unscoped))
    usage: Any = a.get(f"/v1/me/api-keys/{key_id}/usage", headers=owner).json()
    before = usage[0]["requests"]
    for _ in range(4):
        r = a.get(search, headers={"X-API-Key": key})
        assert r.status_code == 200 and "ratelimit-remaining" in r.headers
    assert a.app.state.authenticator.remembered_api_key(key) is not None  # type: ignore[attr-defined]
    until(lambda: a.get(f"/v1/me/api-keys/{key_id}/usage", headers=owner).json()[0]["requests"] == before + 4)
    denied = a.get(search, headers={"X-API-Key": unscoped})
    assert denied.status_code == 403 and denied.json()["type"] == "/problems/insufficient-scope"
