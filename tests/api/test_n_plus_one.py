"""The N+1 check (``tests/support/queries.py``, issue 18): it fails on a per-row loop of statements against the
real PostgreSQL and passes a set-based read; and list routes that gather per-item data (each project's
skills, each conversation's other party and last message, each session's device) send as many statements
for many rows as for few."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.support.api_client import bearer, login
from tests.support.queries import assert_no_n_plus_one, count_queries

LIST_ROWS = "SELECT x FROM unnest(CAST(:ids AS int[])) AS t(x)"


def test_the_check_fails_on_a_per_row_loop_and_passes_a_set_based_read(engine: Engine) -> None:
    ids = [1, 2]

    def per_row() -> None:
        with engine.connect() as conn:
            for x in conn.execute(text(LIST_ROWS), {"ids": ids}).scalars().all():
                conn.execute(text("SELECT :x + 1"), {"x": x})

    def set_based() -> None:
        with engine.connect() as conn:
            conn.execute(text(f"SELECT x + 1 FROM ({LIST_ROWS}) AS rows"), {"ids": ids}).all()

    def grow() -> None:
        ids.extend(range(3, 9))

    with count_queries(engine) as log:
        per_row()
    assert log.count == 3 and "unnest" in log.statements[0]
    with pytest.raises(AssertionError, match=r"statements grew from 3 to 9 with more rows \(N\+1\?\)"):
        assert_no_n_plus_one(engine, per_row, grow)
    del ids[2:]
    assert_no_n_plus_one(engine, set_based, grow)


def _user(client: TestClient) -> tuple[dict[str, str], dict[str, Any]]:
    tokens = login(client, Account.create())["tokens"]
    return bearer(tokens["access_token"]), tokens


def test_project_search_is_not_n_plus_one(client: TestClient) -> None:
    owner, _ = _user(client)
    word = "nplusone" + secrets.token_hex(4)  # one search term: only this test's projects match

    def post() -> None:
        r = client.post("/v1/projects", headers=owner, json={
            "title": f"Dashboard {word}", "description": f"A {word} dashboard in React",
            "skills": ["react", "carbon-accounting"], "budget": "5000", "chain": "anvil-1", "token": "native"})
        assert r.status_code == 201, r.text
        opened = client.post(f"/v1/projects/{r.json()['id']}/transition", headers=owner, json={"to": "open"})
        assert opened.status_code == 200, opened.text

    limits = iter(range(50, 40, -1))

    def call() -> None:
        # A new limit each time: an anonymous page is cached (api.kit.cache), and this counts a page built.
        r = client.get(f"/v1/projects?q={word}&limit={next(limits)}")
        assert r.status_code == 200 and r.json()["items"], r.text

    def grow() -> None:
        for _ in range(5):
            post()
        call()  # the search index reads the change feed once per data change (one statement), not per row

    post()
    assert_no_n_plus_one(client.app.state.engine, call, grow)
    assert len(client.get(f"/v1/projects?q={word}&limit=50").json()["items"]) == 6


def test_conversation_list_is_not_n_plus_one(client: TestClient) -> None:
    me, _ = _user(client)

    def talk() -> None:
        _, other = _user(client)
        r = client.post("/v1/conversations", headers=me, json={"user_id": other["user_id"]})
        assert r.status_code in (200, 201), r.text
        sent = client.post(f"/v1/conversations/{r.json()['id']}/messages", headers=me, json={"body": "hello"})
        assert sent.status_code in (200, 201), sent.text

    def call() -> None:
        r = client.get("/v1/conversations?limit=50", headers=me)
        assert r.status_code == 200 and r.json()["items"], r.text

    talk()
    assert_no_n_plus_one(client.app.state.engine, call, lambda: [talk() for _ in range(5)])
    assert len(client.get("/v1/conversations?limit=50", headers=me).json()["items"]) == 6


def test_session_list_is_not_n_plus_one(client: TestClient) -> None:
    account = Account.create()
    me = bearer(login(client, account)["tokens"]["access_token"])

    def call() -> None:
        r = client.get("/v1/me/sessions", headers=me)
        assert r.status_code == 200, r.text

    def grow() -> None:
        for n in range(5):
            login(client, account, ua=f"device-{n}")

    assert_no_n_plus_one(client.app.state.engine, call, grow)
    sessions = client.get("/v1/me/sessions", headers=me).json()
    assert len(sessions if isinstance(sessions, list) else sessions["items"]) == 6
