"""Project search answered before routing by its own handler (``api.kit.fastread.DirectReads``): for any
query, anonymous or signed in, valid or not, the same status, body and headers as the routed path; the
per-IP limit counted once per request either way. About 5 s."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from eth_account import Account
from fastapi import Request
from fastapi.testclient import TestClient
from starlette.responses import Response

from api.app import create_app
from api.kit.fastread import DirectReads
from api.projects.router import direct_search
from api.projects.router import router as projects_router
from api.settings import ApiSettings
from tests.support.api_client import bearer, login

# Differ per request (ids, rate-limit counters, clock); everything else must be identical.
_PER_REQUEST = {"x-request-id", "ratelimit-remaining", "ratelimit-reset", "date", "content-length"}


Apps = tuple[TestClient, TestClient, "Spy", dict[str, str], str]


class Spy:
    """The direct handler, counting what it answered (``True``) and what it left to the route (``False``)."""

    def __init__(self) -> None:
        self.calls: list[bool] = []

    async def __call__(self, request: Request) -> Response | None:
        response: Response | None = Response()  # raising (a Problem: the app's handler answers) is answering
        try:
            response = await direct_search(request)
            return response
        finally:
            self.calls.append(response is not None)


def _answer(client: TestClient, path: str, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
    r = client.get(path, headers=headers)
    body: Any = r.content
    if r.headers.get("content-type", "").startswith("application/problem+json"):
        body = {k: v for k, v in json.loads(r.content).items() if k != "request_id"}
    return r.status_code, body, {k: v for k, v in r.headers.items() if k not in _PER_REQUEST}


@pytest.fixture
def apps(settings_factory: Callable[..., ApiSettings]) -> Iterator[Apps]:
    """Two apps on one database: the direct path (spied on) and the routed path alone; a signed-in user's
    headers, and a word only their projects (a draft, an open one) carry."""
    spy, word = Spy(), "zd" + secrets.token_hex(4)
    with TestClient(create_app(settings_factory())) as direct, TestClient(create_app(settings_factory())) as routed:
        direct.app.state.direct_reads = DirectReads()
        direct.app.state.direct_reads.add(projects_router, "/v1/projects", spy)
        routed.app.state.direct_reads = DirectReads()
        owner = bearer(login(direct, Account.create())["tokens"]["access_token"])
        handle = "d" + secrets.token_hex(5)
        assert direct.patch("/v1/me/profile", headers=owner, json={"handle": handle, "display_name": handle}).is_success
        for title, publish in ((f"Open {word} audit", True), (f"Draft {word} audit", False)):
            made = direct.post("/v1/projects", headers=owner, json={
                "title": title, "description": "solidity review", "budget": "1000", "chain": "anvil-1",
                "token": "native"})
            assert made.status_code == 201, made.text
            if publish:
                assert direct.post(f"/v1/projects/{made.json()['id']}/transition", headers=owner,
                                   json={"to": "open"}).is_success
        # The other app sees the writes within its version TTL (api.kit.cache): at once here, as its refresher would.
        routed.app.state.read_cache._read_version()
        yield direct, routed, spy, owner, word


# Answered by the direct path: valid queries, and ones the service refuses (an unknown chain's 422, a bad
# cursor's 400, ``mine`` without signing in).
ANSWERED = [
    "q={w}", "q={w}&limit=1", "q={w}+audit&state=open", "q={w}&mine=true", "q={w}&mine=1",
    "q={w}&chain=anvil-1&min_budget=10&max_budget=100000", "q={w}&skills=solidity&skills=rust",
    "q={w}&limit=5&limit=1",  # the last value of a repeated parameter, as the route reads it
    "q={w}&unknown=1", "q=", "state=open&limit=2", "", "chain=no-such-chain", "cursor=not-a-cursor",
]
# Refused by the parameters' model: left to the route (its 422 and errors list).
LEFT = ["limit=0", "limit=abc", "limit=201", "state=bogus", "min_budget=-1", "max_budget=1.5", "mine=perhaps",
        "q=" + "x" * 201, "&".join(["skills=a"] * 21), "cursor=" + "x" * 513]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_the_direct_path_answers_as_the_route_does(apps: Apps,
                                                  signed_in: bool) -> None:
    direct, routed, spy, owner, word = apps
    headers = owner if signed_in else {}
    for template in ANSWERED + LEFT:
        query = template.format(w=word)
        path = "/v1/projects?" + query
        got, want = _answer(direct, path, headers), _answer(routed, path, headers)
        assert got == want, query
        assert spy.calls.pop() is (template in ANSWERED), query
        assert got[0] == 422 or template in ANSWERED, query
    # What was searched for was found: the draft by its owner only.
    found = _answer(direct, f"/v1/projects?q={word}", headers)[1]
    assert sorted(p["title"].split()[0] for p in json.loads(found)["items"]) == (["Draft", "Open"] if signed_in
                                                                                 else ["Open"])


def test_conditional_requests_and_made_up_credentials(apps: Apps) -> None:
    direct, routed, spy, _, word = apps
    first = direct.get(f"/v1/projects?q={word}&state=open")
    etag = first.headers["etag"]
    for client in (direct, routed):
        again = client.get(f"/v1/projects?q={word}&state=open", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        for bogus in ({"Authorization": "Bearer nope"}, {"X-API-Key": "lnc_bogus_key"}):
            denied = client.get(f"/v1/projects?q={word}", headers=bogus)
            assert denied.status_code == 401 and denied.headers["content-type"] == "application/problem+json"
    assert spy.calls == [True, True, True]


def test_the_per_ip_limit_counts_each_request_once(settings_factory: Callable[..., ApiSettings],
                                                   redis_prefix: str) -> None:
    spy, word = Spy(), "zl" + secrets.token_hex(4)
    own_bucket = redis_prefix + word + ":"  # this test's counts alone
    with TestClient(create_app(settings_factory(ratelimit_ip_per_window=3, redis_key_prefix=own_bucket))) as client:
        client.app.state.direct_reads = DirectReads()
        client.app.state.direct_reads.add(projects_router, "/v1/projects", spy)
        # A query the route refuses is left to it before anything is counted: counted there, once.
        answers = [client.get(f"/v1/projects?{q}") for q in (f"q={word}1", "limit=0", f"q={word}2", f"q={word}3")]
    assert [r.status_code for r in answers] == [200, 422, 200, 429]
    assert spy.calls == [True, False, True, True]
    assert answers[-1].json()["type"] == "/problems/rate-limited" and answers[-1].headers["retry-after"]
