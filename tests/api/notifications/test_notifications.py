"""In-app notifications from the outbox: messages (real conversation flow), proposals, escrow events
pending -> confirmed and pending -> retracted (chainfeed's payloads), mentions/replies/tickets; list,
unread count, mark read; preferences per kind and channel; who may see what."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.settings import ApiSettings
from tests.support.notify_env import drain
from tests.support.notify_env import new_user as _user
from tests.support.webhook_env import emit


def _chain_event(kind: str, audience: list[uuid.UUID], log_index: int) -> tuple[str, str, dict[str, Any], list[Any]]:
    payload = {"chain_id": 31337, "escrow": "0x" + "ab" * 20, "event": "Funded", "block_number": 12,
               "block_hash": "0x" + "cd" * 32, "log_index": log_index, "tx_hash": "0x" + "ef" * 32}
    return kind, f"escrow:31337:{payload['escrow']}", payload, list(audience)


def _items(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    r = client.get("/v1/notifications", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_a_message_notifies_the_other_participant_not_the_sender(client: TestClient, engine: Engine,
                                                                  api_settings: ApiSettings) -> None:
    alice, a = _user(client)
    bob, b = _user(client)
    conv = client.post("/v1/conversations", json={"user_id": str(bob)}, headers=a)
    assert conv.status_code in (200, 201), conv.text
    r = client.post(f"/v1/conversations/{conv.json()['id']}/messages", json={"body": "hello"}, headers=a)
    assert r.status_code == 201, r.text
    drain(engine, api_settings)
    got = _items(client, b)
    assert [(n["kind"], n["event"]) for n in got] == [("message", "message.created")]
    assert got[0]["read_at"] is None and got[0]["payload"]["conversation_id"] == conv.json()["id"]
    assert _items(client, a) == []
    assert client.get("/v1/notifications/unread-count", headers=b).json() == {"unread": 1}


def test_pending_escrow_event_confirmed_or_retracted(client: TestClient, engine: Engine,
                                                      api_settings: ApiSettings) -> None:
    user, h = _user(client)
    emit(engine, *_chain_event("escrow.event.pending", [user], 1))
    emit(engine, *_chain_event("escrow.event.pending", [user], 2))
    drain(engine, api_settings)
    got = _items(client, h)
    assert [(n["status"], n["kind"]) for n in got] == [("pending", "contract"), ("pending", "contract")]
    # Both read; then one is confirmed, the other retracted by a reorg (and unread again: news).
    assert client.post("/v1/notifications/read-all", headers=h).json() == {"updated": 2}
    emit(engine, *_chain_event("escrow.event.confirmed", [user], 1))
    emit(engine, *_chain_event("escrow.event.retracted", [user], 2))
    drain(engine, api_settings)
    by_index = {n["payload"]["log_index"]: n for n in _items(client, h)}
    assert len(by_index) == 2  # settled in place: no new notifications
    assert by_index[1]["status"] == "confirmed" and by_index[1]["read_at"] is not None
    assert by_index[2]["status"] == "retracted" and by_index[2]["read_at"] is None
    assert by_index[2]["event"] == "escrow.event.retracted"
    assert client.get("/v1/notifications/unread-count", headers=h).json() == {"unread": 1}


def test_kinds_mark_read_and_keyset_pages(client: TestClient, engine: Engine, api_settings: ApiSettings) -> None:
    user, h = _user(client)
    for kind in ("proposal.submitted", "community.mention", "community.reply", "support.ticket.updated",
                 "project.updated", "security.login"):  # the last two notify nobody
        emit(engine, kind, "x:1", {}, [user])
    drain(engine, api_settings)
    got = _items(client, h)
    assert [n["kind"] for n in got] == ["ticket", "reply", "mention", "proposal"]
    first = client.get("/v1/notifications", headers=h, params={"limit": 3}).json()
    second = client.get("/v1/notifications", headers=h, params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [n["id"] for n in first["items"] + second["items"]] == [n["id"] for n in got]
    assert second["next_cursor"] is None and first["unread"] == 4
    r = client.post(f"/v1/notifications/{got[0]['id']}/read", headers=h)
    assert r.status_code == 200 and r.json()["read_at"] is not None
    assert [n["kind"] for n in _items(client, h, unread=True)] == ["reply", "mention", "proposal"]
    assert [n["kind"] for n in _items(client, h, kind="mention")] == ["mention"]
    assert client.post("/v1/notifications/read-all", json={"up_to": got[2]["id"]}, headers=h).json() == {"updated": 2}
    assert client.get("/v1/notifications/unread-count", headers=h).json() == {"unread": 1}


def test_preferences_turn_the_in_app_channel_off(client: TestClient, engine: Engine,
                                                 api_settings: ApiSettings) -> None:
    user, h = _user(client)
    prefs = client.get("/v1/notifications/preferences", headers=h).json()
    assert prefs["email"] is None and {k["kind"] for k in prefs["kinds"]} == {
        "message", "proposal", "contract", "mention", "reply", "ticket"}
    assert all(k["in_app"] and k["email"] and k["webhook"] for k in prefs["kinds"])
    r = client.put("/v1/notifications/preferences", headers=h,
                   json={"kinds": [{"kind": "proposal", "in_app": False, "email": False, "webhook": True}]})
    assert r.status_code == 200, r.text
    assert next(k for k in r.json()["kinds"] if k["kind"] == "proposal") == {
        "kind": "proposal", "in_app": False, "email": False, "webhook": True}
    emit(engine, "proposal.submitted", "proposal:1", {}, [user])
    emit(engine, "community.mention", "post:1", {}, [user])
    drain(engine, api_settings)
    assert [n["kind"] for n in _items(client, h)] == ["mention"]


@pytest.mark.parametrize("body", [
    {"kinds": [{"kind": "nope"}]},
    {"kinds": [{"kind": "message"}, {"kind": "message"}]},
    {"email": "not-an-address"},
    {"email": "a@b.c", "extra": 1},
])
def test_bad_preferences_are_4xx_problems(client: TestClient, body: dict[str, Any]) -> None:
    _, h = _user(client)
    r = client.put("/v1/notifications/preferences", headers=h, json=body)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text


def test_authorization_owner_other_user_no_credentials(client: TestClient, engine: Engine,
                                                       api_settings: ApiSettings) -> None:
    owner, h = _user(client)
    _, stranger = _user(client)
    emit(engine, "proposal.submitted", "proposal:2", {}, [owner])
    drain(engine, api_settings)
    nid = _items(client, h)[0]["id"]
    routes = [("GET", "/v1/notifications", None), ("GET", "/v1/notifications/unread-count", None),
              ("POST", f"/v1/notifications/{nid}/read", None), ("POST", "/v1/notifications/read-all", None),
              ("GET", "/v1/notifications/preferences", None),
              ("PUT", "/v1/notifications/preferences", {"kinds": []})]
    for method, path, body in routes:
        r = client.request(method, path, json=body)
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.headers["content-type"].startswith("application/problem+json")
    # Another user sees none of it and cannot mark it read.
    assert _items(client, stranger) == []
    r = client.post(f"/v1/notifications/{nid}/read", headers=stranger)
    assert r.status_code == 404 and r.json()["type"] == "/problems/not-found"
    assert client.post("/v1/notifications/read-all", headers=stranger).json() == {"updated": 0}
    assert _items(client, h)[0]["read_at"] is None
    assert client.post(f"/v1/notifications/{nid}/read", headers=h).status_code == 200
    assert client.get("/v1/notifications", headers=h, params={"cursor": "forged"}).status_code == 400


def test_the_webhook_channel_off_keeps_that_kind_from_the_users_endpoints(
        client: TestClient, engine: Engine, settings_factory: Any) -> None:
    from tests.support.webhook_env import endpoint, integration, pump
    from tests.support.webhook_receiver import running_receiver

    fast = settings_factory(webhook_timeout_seconds=0.5, webhook_retry_base_seconds=0.05,
                            webhook_retry_max_seconds=0.2)
    user, h = _user(client)
    _ok = client.put("/v1/notifications/preferences", headers=h,
                     json={"kinds": [{"kind": "proposal", "in_app": True, "email": True, "webhook": False}]})
    assert _ok.status_code == 200
    with running_receiver() as receiver:
        hook = endpoint(client, h, integration(client, h)["id"], receiver.url("/prefs"),
                        ["proposal.*", "community.*"])
        receiver.secrets["/prefs"].append(hook["secret"])
        emit(engine, "proposal.submitted", "proposal:77", {"n": "1"}, [user])
        emit(engine, "community.mention", "post:77", {"n": "2"}, [user])
        pump(engine, fast, lambda: len(receiver.at("/prefs")) >= 1)
        pump(engine, fast, lambda: True)  # one more pass: nothing else is due
        assert [r.json["type"] for r in receiver.at("/prefs")] == ["community.mention"]
    drain(engine, fast)
    assert {n["kind"] for n in _items(client, h)} == {"proposal", "mention"}  # in-app is still on


def test_a_batch_handed_out_again_adds_nothing(client: TestClient, engine: Engine, api_settings: ApiSettings) -> None:
    from sqlalchemy import text

    user, h = _user(client)
    emit(engine, "proposal.submitted", "proposal:88", {}, [user])
    drain(engine, api_settings)
    with engine.begin() as conn:  # as after a crash between writing and acknowledging
        conn.execute(text("UPDATE outbox_cursors SET txid = 0, event_id = 0 WHERE consumer = 'notifications'"))
    drain(engine, api_settings, timeout=60)
    assert [n["subject"] for n in _items(client, h)] == ["proposal:88"]


def test_an_event_for_a_user_who_no_longer_exists_is_skipped(client: TestClient, engine: Engine,
                                                             api_settings: ApiSettings) -> None:
    """An account erased after its event was recorded must not stop the consumer for everyone else."""
    import uuid as _uuid

    user, h = _user(client)
    emit(engine, "community.reply", "community_thread:gone", {}, [_uuid.uuid4(), user])
    drain(engine, api_settings)
    items = client.get("/v1/notifications", headers=h).json()["items"]
    assert [n["subject"] for n in items if n["subject"] == "community_thread:gone"] == ["community_thread:gone"]
