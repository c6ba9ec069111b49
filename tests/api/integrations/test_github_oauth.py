"""Linking a GitHub account with OAuth (authlib) against a local server standing in for github.com and
api.github.com: the authorize URL, a one-time state bound to the user, the code exchange, the token
encrypted at rest, step-up, conflicts, unlinking, and failures without GitHub's words or hosts."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from api.settings import ApiSettings
from tests.support.api_client import bearer, login
from tests.support.provider_server import Call, ProviderServer, running_provider

START, CALLBACK, ACCOUNT = ("/v1/integrations/github/oauth/start", "/v1/integrations/github/oauth/callback",
                            "/v1/integrations/github/account")
USERS = {"code-ada": (42, "ada"), "code-bob": (43, "bob")}


def _token(call: Call) -> tuple[int, Any]:
    form = call.form
    if form.get("client_id") != "gh-client" and "authorization" not in call.headers:
        return 401, {"error": "bad client"}
    if form.get("code") not in USERS:
        return 200, {"error": "bad_verification_code", "error_description": "The code passed is incorrect"}
    return 200, {"access_token": f"gho_{form['code']}", "token_type": "bearer", "scope": "read:user"}


def _user(call: Call) -> tuple[int, Any]:
    auth = call.headers.get("authorization", "")
    code = auth.removeprefix("Bearer gho_")
    if code not in USERS:
        return 401, {"message": "Bad credentials"}
    github_id, name = USERS[code]
    return 200, {"id": github_id, "login": name}


@pytest.fixture
def github() -> Iterator[ProviderServer]:
    with running_provider() as server:
        server.on("POST", "/login/oauth/access_token", _token)
        server.on("GET", "/user", _user)
        yield server


@pytest.fixture
def gh(settings_factory: Callable[..., ApiSettings], github: ProviderServer) -> Iterator[TestClient]:
    settings = settings_factory(github_client_id="gh-client", github_client_secret="gh-secret",
                                github_oauth_base=github.base_url, github_api_base=github.base_url)
    with TestClient(create_app(settings)) as c:
        yield c


def _user_tokens(c: TestClient) -> dict[str, Any]:
    return dict(login(c, Account.create())["tokens"])


def _stale(c: TestClient, access_token: str) -> dict[str, str]:
    signer = c.app.state.token_signer
    claims = signer.verify_access(access_token)
    token, _ = signer.issue_access(claims.sub, claims.sid, claims.scope, 300, auth_time=int(time.time()) - 3600,
                                   amr=claims.amr)
    return bearer(token)


def test_link_flow(gh: TestClient, github: ProviderServer, engine: Engine) -> None:
    me = _user_tokens(gh)
    h = bearer(me["access_token"])
    started = gh.post(START, headers=h)
    assert started.status_code == 200, started.text
    url = urlsplit(started.json()["authorize_url"])
    query = parse_qs(url.query)
    assert url.path == "/login/oauth/authorize" and query["client_id"] == ["gh-client"]
    assert query["state"] == [started.json()["state"]] and query["scope"] == ["read:user"]
    linked = gh.post(CALLBACK, json={"code": "code-ada", "state": started.json()["state"]}, headers=h)
    assert linked.status_code == 200, linked.text
    assert linked.json()["login"] == "ada" and linked.json()["github_id"] == 42
    assert gh.get(ACCOUNT, headers=h).json()["login"] == "ada"
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT access_token FROM github_accounts WHERE user_id = :u"),
                              {"u": me["user_id"]}).scalar_one()
    assert stored.startswith("enc1:") and "gho_" not in stored  # encrypted at rest
    # The state was single-use.
    again = gh.post(CALLBACK, json={"code": "code-ada", "state": started.json()["state"]}, headers=h)
    assert again.status_code == 400 and again.json()["type"] == "/problems/oauth-state"
    # Another user cannot link the same GitHub account, nor use my state.
    other = bearer(_user_tokens(gh)["access_token"])
    state = gh.post(START, headers=other).json()["state"]
    r = gh.post(CALLBACK, json={"code": "code-ada", "state": state}, headers=other)
    assert r.status_code == 409
    mine = gh.post(START, headers=h).json()["state"]
    assert gh.post(CALLBACK, json={"code": "code-bob", "state": mine}, headers=other).status_code == 400
    # A bad code: a 400 that names neither GitHub's answer nor its host; GitHub down: a 502.
    state = gh.post(START, headers=other).json()["state"]
    r = gh.post(CALLBACK, json={"code": "code-nope", "state": state}, headers=other)
    assert r.status_code == 400 and r.json()["type"] == "/problems/github-oauth-failed"
    assert github.base_url not in r.text and "incorrect" not in r.text
    github.on("GET", "/user", (500, {"message": "down at " + github.base_url}))
    state = gh.post(START, headers=other).json()["state"]
    r = gh.post(CALLBACK, json={"code": "code-bob", "state": state}, headers=other)
    assert r.status_code == 502 and github.base_url not in r.text
    assert gh.delete(ACCOUNT, headers=h).status_code == 204
    assert gh.get(ACCOUNT, headers=h).status_code == 404


def test_auth_step_up_and_unconfigured(gh: TestClient, client: TestClient) -> None:
    me = _user_tokens(gh)
    stale = _stale(gh, me["access_token"])
    for method, path, body in (("POST", START, None), ("POST", CALLBACK, {"code": "c", "state": "s"}),
                               ("DELETE", ACCOUNT, None)):
        assert gh.request(method, path, json=body).status_code == 401, path
        r = gh.request(method, path, json=body, headers=stale)
        assert r.status_code == 403 and r.json()["type"] == "/problems/step-up-required", path
    assert gh.get(ACCOUNT).status_code == 401
    assert gh.get(ACCOUNT, headers=stale).status_code == 404  # reading needs no step-up: nothing linked
    key = gh.post("/v1/integrations/api-keys", json={"name": "k", "scopes": ["write:webhooks"]},
                  headers=bearer(me["access_token"])).json()["key"]
    assert gh.post(START, headers={"X-API-Key": key}).status_code == 403
    bad = gh.post(CALLBACK, json={"code": "x y", "state": "s"}, headers=bearer(me["access_token"]))
    assert bad.status_code == 422
    fresh = bearer(_user_tokens(client)["access_token"])
    assert client.post(START, headers=fresh).status_code == 404
