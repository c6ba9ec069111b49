"""Every route of the app, walked with hostile credentials (issue 12, acceptance): none, a bogus API key,
an expired token, another user's token, a token whose proof is not recent. Each answer is what the
route's auth declaration says (401/403/404), and nothing is ever a 500."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import AuthRequirement, iter_routes
from tests.support.api_client import bearer, login

BOGUS_KEY = {"X-API-Key": "lnc_" + "x" * 40}


def _routes(client: TestClient) -> Iterator[tuple[str, str, AuthRequirement]]:
    for path, route, reqs in iter_routes(list(client.app.routes)):
        if isinstance(route, APIRoute) and reqs:
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                yield method, path, reqs[0]


def _fill(path: str, ids: dict[str, str]) -> str:
    values = {"address": Account.create().address, "uid": "0x" + "ab" * 32, "chain_id": "31337"}
    values.update(ids)
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    # Any other identifier (project, proposal, contract, conversation, org, ...): one that does not exist,
    # so a caller who passes authentication gets a 404 or a 422, never another user's data.
    return re.sub(r"\{[a-z_]+\}", lambda _: str(uuid.uuid4()), path)


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    body = {} if method in ("POST", "PUT", "PATCH") else None
    r = client.request(method, path, json=body, headers=headers)
    assert r.status_code < 500 or r.status_code == 503, (method, path, r.status_code, r.text)
    return r


def _token(client: TestClient, tokens: dict[str, Any], *, age: int = 0, ttl: int = 300) -> dict[str, str]:
    claims = client.app.state.token_signer.verify_access(tokens["access_token"])
    token, _ = client.app.state.token_signer.issue_access(
        claims.sub, claims.sid, claims.scope, ttl, auth_time=int(time.time()) - age, amr=claims.amr)
    return bearer(token)


@pytest.fixture
def owner(client: TestClient) -> dict[str, str]:
    """Another user's objects, whose ids the walk puts into paths (they must be 404 to a stranger)."""
    tokens = login(client, Account.create())["tokens"]
    h = bearer(tokens["access_token"])
    key = client.post("/v1/me/api-keys", json={"name": "k", "scopes": ["read:chain"]}, headers=h).json()
    export = client.post("/v1/me/export", headers=h).json()
    return {"key_id": key["id"], "export_id": export["id"], "session_id": str(tokens["session_id"])}


def test_no_credentials_bogus_key_expired_token(client: TestClient, signed_in: dict[str, Any]) -> None:
    expired = _token(client, signed_in, ttl=-60)
    for method, path, req in _routes(client):
        url = _fill(path, {"key_id": str(uuid.uuid4()), "export_id": str(uuid.uuid4()),
                           "session_id": str(uuid.uuid4())})
        none = _call(client, method, url, {})
        bogus = _call(client, method, url, BOGUS_KEY)
        old = _call(client, method, url, expired)
        if req.kind == "public":
            assert none.status_code not in (401, 403), (method, path)
            continue
        if req.kind == "public_read":
            assert none.status_code not in (401, 403), (method, path)
        else:
            assert none.status_code == 401, (method, path, none.text)
        assert bogus.status_code == 401, (method, path, bogus.text)
        assert old.status_code == 401 and old.json()["type"] == "/problems/invalid-token", (method, path, old.text)


def test_another_users_token_and_step_up(client: TestClient, owner: dict[str, str]) -> None:
    for method, path, req in _routes(client):
        if req.kind == "public":
            continue
        url = _fill(path, owner)
        # A new stranger (session) per call: some routes end the session or the account.
        fresh = _call(client, method, url, _token(client, login(client, Account.create())["tokens"]))
        stale = _call(client, method, url, _token(client, login(client, Account.create())["tokens"], age=3600))
        if req.kind == "admin" or req.mfa:
            assert fresh.status_code == 403 and stale.status_code == 403, (method, path)
            continue
        if req.role:  # a product role the handler checks (moderator, agent): a stranger never succeeds
            assert 400 <= fresh.status_code and 401 not in (fresh.status_code, stale.status_code), \
                (method, path, fresh.text)
            continue
        assert fresh.status_code not in (401, 403), (method, path, fresh.text)
        if any("{" + name + "}" in path for name in ("key_id", "export_id", "session_id")):
            assert fresh.status_code == 404, (method, path, fresh.text)  # another user's object
        if req.step_up:
            assert stale.status_code == 403 and stale.json()["type"] == "/problems/step-up-required", (method, path)
        else:
            assert stale.status_code not in (401, 403), (method, path, stale.text)


def test_2fa_routes_are_gone_when_the_feature_is_off(settings_factory: Any, account: Any) -> None:
    with TestClient(create_app(settings_factory(enable_2fa=False))) as c:
        h = bearer(login(c, account)["tokens"]["access_token"])
        paths = c.get("/openapi.json").json()["paths"]
        gated = [(m, p) for m, p, req in _routes(c) if req.feature == "enable_2fa"]
        assert len(gated) >= 6
        for method, path in gated:
            assert path not in paths or method.lower() not in paths[path], path
            assert c.request(method, path, json={}, headers=h).status_code == 404, path
