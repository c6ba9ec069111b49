"""Conversations and messages over HTTP: participants only, unread counts, keyset history, idempotency,
outbox rows in the same transaction."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.support.api_client import bearer, login


def _user(client: TestClient) -> dict[str, Any]:
    account = Account.create()
    out = login(client, account)
    return {"account": account, "id": out["user_id"], "h": bearer(out["tokens"]["access_token"])}


@pytest.fixture
def trio(client: TestClient) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    return _user(client), _user(client), _user(client)


def _open(client: TestClient, who: dict[str, Any], **body: Any) -> dict[str, Any]:
    r = client.post("/v1/conversations", json=body, headers=who["h"])
    assert r.status_code == 200, r.text
    return r.json()


def test_direct_conversation_flow(client: TestClient, trio: Any, engine: Engine) -> None:
    alice, bob, _ = trio
    conv = _open(client, alice, user_id=bob["id"])
    assert set(conv["participants"]) == {alice["id"], bob["id"]} and conv["subject_type"] is None
    # Opening it again, from either side or by wallet address, finds the same conversation.
    assert _open(client, bob, address=alice["account"].address.lower())["id"] == conv["id"]
    assert _open(client, alice, user_id=bob["id"])["id"] == conv["id"]
    cid = conv["id"]
    ids = []
    for i in range(3):
        r = client.post(f"/v1/conversations/{cid}/messages", json={"body": f"hello {i}"}, headers=alice["h"])
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    assert client.get("/v1/me/unread", headers=bob["h"]).json() == {"total": 3, "conversations": {cid: 3}}
    assert client.get("/v1/me/unread", headers=alice["h"]).json()["total"] == 0  # own messages are read
    page = client.get(f"/v1/conversations/{cid}/messages?limit=2", headers=bob["h"]).json()
    assert [m["body"] for m in page["items"]] == ["hello 2", "hello 1"] and page["next_cursor"]
    rest = client.get(f"/v1/conversations/{cid}/messages?limit=2&cursor={page['next_cursor']}", headers=bob["h"]).json()
    assert [m["body"] for m in rest["items"]] == ["hello 0"] and rest["next_cursor"] is None
    r = client.post(f"/v1/conversations/{cid}/read", json={"up_to": ids[0]}, headers=bob["h"])
    assert r.json() == {"conversation_id": cid, "last_read_id": ids[0], "unread": 2}
    listed = client.get("/v1/conversations", headers=bob["h"]).json()
    assert [(c["id"], c["unread"]) for c in listed["items"]] == [(cid, 2)]
    assert client.post(f"/v1/conversations/{cid}/read", headers=bob["h"]).json()["unread"] == 0
    # Reading never moves the marker back.
    assert client.post(f"/v1/conversations/{cid}/read", json={"up_to": 0}, headers=bob["h"]).json()["last_read_id"] == ids[-1]
    with engine.connect() as conn:
        events = conn.execute(text("SELECT kind, payload, audience FROM outbox_events WHERE subject = :s ORDER BY id"),
                              {"s": f"conversation:{cid}"}).all()
    assert [e.payload["message_id"] for e in events] == ids and all(e.kind == "message.created" for e in events)
    assert {str(u) for u in events[0].audience} == {alice["id"], bob["id"]}
    assert "hello" not in str(events[0].payload)  # the text stays behind the participants-only routes


def test_conversation_list_paginates(client: TestClient, trio: Any) -> None:
    alice, bob, carol = trio
    a = _open(client, alice, user_id=bob["id"])["id"]
    b = _open(client, alice, user_id=carol["id"])["id"]
    client.post(f"/v1/conversations/{a}/messages", json={"body": "latest"}, headers=alice["h"])
    first = client.get("/v1/conversations?limit=1", headers=alice["h"]).json()
    assert [c["id"] for c in first["items"]] == [a] and first["next_cursor"]
    second = client.get(f"/v1/conversations?limit=1&cursor={first['next_cursor']}", headers=alice["h"]).json()
    assert [c["id"] for c in second["items"]] == [b] and second["next_cursor"] is None
    assert client.get("/v1/conversations?cursor=bm9wZQ", headers=alice["h"]).status_code == 400


def test_only_participants_and_only_users(client: TestClient, trio: Any) -> None:
    alice, bob, carol = trio
    cid = _open(client, alice, user_id=bob["id"])["id"]
    msg = f"/v1/conversations/{cid}/messages"
    routes = [("get", f"/v1/conversations/{cid}", None), ("get", msg, None), ("post", msg, {"body": "x"}),
              ("post", f"/v1/conversations/{cid}/read", {})]
    for method, path, body in routes:
        assert getattr(client, method)(path, headers=bob["h"], **({"json": body} if body is not None else {})).status_code in (200, 201)
        r = getattr(client, method)(path, headers=carol["h"], **({"json": body} if body is not None else {}))
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json", path
        assert getattr(client, method)(path, **({"json": body} if body is not None else {})).status_code == 401
    for method, path in (("get", "/v1/conversations"), ("post", "/v1/conversations"), ("get", "/v1/me/unread")):
        assert getattr(client, method)(path).status_code == 401
    assert client.get("/v1/me/unread", headers=carol["h"]).json() == {"total": 0, "conversations": {}}
    assert client.get("/v1/conversations", headers=carol["h"]).json()["items"] == []
    key = login(client, alice["account"])["tokens"]["access_token"]
    api_key = client.post("/v1/me/api-keys", json={"name": "k", "scopes": ["read:chain"]}, headers=bearer(key)).json()
    assert client.get("/v1/conversations", headers={"X-API-Key": api_key["key"]}).status_code == 403


def test_bad_input_is_a_problem(client: TestClient, trio: Any) -> None:
    alice, bob, _ = trio
    cases = [({}, 422), ({"user_id": bob["id"], "address": alice["account"].address}, 422),
             ({"user_id": alice["id"]}, 422), ({"user_id": str(uuid.uuid4())}, 404),
             ({"address": Account.create().address}, 404), ({"address": "0x12"}, 422),
             ({"subject_type": "project", "subject_id": "p1"}, 422), ({"subject_type": "escrow"}, 422),
             ({"subject_type": "escrow", "subject_id": "nope"}, 422),
             ({"subject_type": "escrow", "subject_id": f"31337:{Account.create().address}"}, 404)]
    for body, status in cases:
        r = client.post("/v1/conversations", json=body, headers=alice["h"])
        assert r.status_code == status and r.headers["content-type"] == "application/problem+json", (body, r.text)
    cid = _open(client, alice, user_id=bob["id"])["id"]
    assert client.post(f"/v1/conversations/{cid}/messages", json={"body": ""}, headers=alice["h"]).status_code == 422
    assert client.post(f"/v1/conversations/{cid}/read", json={"up_to": -1}, headers=alice["h"]).status_code == 422
    assert client.get("/v1/conversations/not-a-uuid", headers=alice["h"]).status_code == 422


def test_idempotency_key_replays_and_refuses_reuse(client: TestClient, trio: Any, engine: Engine) -> None:
    alice, bob, _ = trio
    cid = _open(client, alice, user_id=bob["id"])["id"]
    h = {**alice["h"], "Idempotency-Key": f"k-{uuid.uuid4()}"}
    first = client.post(f"/v1/conversations/{cid}/messages", json={"body": "once"}, headers=h)
    again = client.post(f"/v1/conversations/{cid}/messages", json={"body": "once"}, headers=h)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again.headers.get("idempotent-replayed") == "true"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM messages WHERE conversation_id = :c"), {"c": cid}).scalar_one() == 1
    other = client.post(f"/v1/conversations/{cid}/messages", json={"body": "different"}, headers=h)
    assert other.status_code == 422 and other.json()["type"].endswith("idempotency-key-reused")
    # Keys are per principal: Bob may use the same key for his own request.
    assert client.post(f"/v1/conversations/{cid}/messages", json={"body": "once"},
                       headers={**bob["h"], "Idempotency-Key": h["Idempotency-Key"]}).status_code == 201
