"""`/v1/ws`: token as the first message (4401 otherwise), push of new messages, and fan-out across two
API processes through Redis pub/sub."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import websockets
from eth_account import Account
from fastapi.testclient import TestClient
from pydantic import SecretStr
from pydantic_core import to_jsonable_python
from starlette.websockets import WebSocketDisconnect

from api.app import create_app
from api.settings import ApiSettings
from bench.loadgen import wait_until_up
from tests.support.api_client import bearer, login


def _user(client: TestClient) -> dict[str, Any]:
    out = login(client, Account.create())
    return {"id": out["user_id"], "token": out["tokens"]["access_token"], "h": bearer(out["tokens"]["access_token"])}


@pytest.mark.parametrize("first", [{"type": "auth", "token": "not-a-jwt"}, {"type": "hello"}, "plain text"])
def test_bad_or_missing_token_closes_4401(client: TestClient, first: Any) -> None:
    with client.websocket_connect("/v1/ws") as ws:
        ws.send_text(json.dumps(first) if not isinstance(first, str) else first)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4401


def test_message_is_pushed_to_the_other_participant_only(client: TestClient) -> None:
    # The worker's session client: its app has served other modules first, the fuzz tests' second start of the
    # same app among them (see test_push_still_works_after_a_second_start_of_the_same_app_ended).
    alice, bob, carol = _user(client), _user(client), _user(client)
    cid = client.post("/v1/conversations", json={"user_id": bob["id"]}, headers=alice["h"]).json()["id"]
    with client.websocket_connect("/v1/ws") as bob_ws, client.websocket_connect("/v1/ws") as carol_ws:
        assert _ready(bob_ws, bob) == {"type": "ready", "user_id": bob["id"]}
        assert _ready(carol_ws, carol)["type"] == "ready"
        r = client.post(f"/v1/conversations/{cid}/messages", json={"body": "ping"}, headers=alice["h"])
        assert r.status_code == 201, r.text  # else no event comes
        event = _receive(bob_ws)
        assert event["type"] == "message.created" and event["message"] == r.json()
        # Carol saw nothing: her next event is the one of her own conversation, not Alice's message.
        other = client.post("/v1/conversations", json={"user_id": carol["id"]}, headers=alice["h"]).json()["id"]
        client.post(f"/v1/conversations/{other}/messages", json={"body": "for carol"}, headers=alice["h"])
        assert _receive(carol_ws)["message"]["body"] == "for carol"


def _receive(ws: Any, seconds: float = 30) -> Any:
    """``ws.receive_json()`` with a deadline: the test client's own has none, and a silent hub made it wait until
    pytest's 300 s timeout."""
    pool = ThreadPoolExecutor(1)
    try:
        return pool.submit(ws.receive_json).result(timeout=seconds)
    finally:
        pool.shutdown(wait=False)  # on a timeout the reader ends when the socket closes


def _ready(ws: Any, user: dict[str, Any]) -> Any:
    ws.send_json({"type": "auth", "token": user["token"]})
    return _receive(ws)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _settings_json(settings: ApiSettings) -> str:
    values = {k: (v.get_secret_value() if isinstance(v, SecretStr) else v) for k, v in settings}
    return json.dumps(to_jsonable_python(values))

LAUNCH = ("import json, os, uvicorn; from api.app import create_app; from api.settings import ApiSettings; "
          "uvicorn.run(create_app(ApiSettings(**json.loads(os.environ['LANCER_TEST_SETTINGS']))), host='127.0.0.1', "
          "port=int(os.environ['LANCER_TEST_PORT']), log_level='warning', "
          "ws='api.kit.wsserver:LancerWebSocketProtocol')")


@pytest.fixture
def two_processes(api_settings: ApiSettings) -> Iterator[list[str]]:
    procs, urls = [], []
    for _ in range(2):
        port = _free_port()
        env = {**os.environ, "LANCER_TEST_SETTINGS": _settings_json(api_settings), "LANCER_TEST_PORT": str(port)}
        procs.append(subprocess.Popen([sys.executable, "-c", LAUNCH], env=env))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            wait_until_up(url)
        yield urls
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def test_fan_out_across_two_api_processes(client: TestClient, two_processes: list[str]) -> None:
    one, two = two_processes
    alice, bob = _user(client), _user(client)
    cid = client.post("/v1/conversations", json={"user_id": bob["id"]}, headers=alice["h"]).json()["id"]

    async def scenario() -> dict[str, Any]:
        async with websockets.connect(two.replace("http", "ws") + "/v1/ws") as ws:
            await ws.send(json.dumps({"type": "auth", "token": bob["token"]}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "ready"
            async with httpx.AsyncClient() as http:
                r = await http.post(f"{one}/v1/conversations/{cid}/messages", json={"body": "across"},
                                    headers=alice["h"], timeout=30)
                assert r.status_code == 201, r.text
            return json.loads(await asyncio.wait_for(ws.recv(), 30))  # type: ignore[no-any-return]

    event = asyncio.run(scenario())
    assert event["type"] == "message.created" and event["message"]["body"] == "across"


def test_push_still_works_after_a_second_start_of_the_same_app_ended(api_settings: ApiSettings) -> None:
    """schemathesis' ``from_asgi`` (tests/api/test_fuzz.py) runs the lifespan of the app the worker's session client
    already runs a second time, on its own event loop, and ends it after its test. That second start replaced
    ``app.state.hub`` (and the engine, Redis clients...), and its shutdown then stopped that hub: every later
    socket of the session client was told "ready" by a stopped hub and never got an event (the hang of the push
    test in 3 of 5 full runs). The app must come back to its own, running resources, and no socket may be told
    "ready" by a hub that can't deliver to it."""
    app = create_app(api_settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        alice, bob = _user(client), _user(client)
        cid = client.post("/v1/conversations", json={"user_id": bob["id"]}, headers=alice["h"]).json()["id"]
        with TestClient(app, raise_server_exceptions=False) as second:  # the same app object, another loop
            with second.websocket_connect("/v1/ws") as ws:
                assert _ready(ws, bob)["type"] == "ready"  # its own hub is subscribed
            # Meanwhile app.state.hub is the second server's: on the first one's loop it can't deliver.
            with client.websocket_connect("/v1/ws") as ws, pytest.raises(WebSocketDisconnect) as refused:
                _ready(ws, bob)
            assert refused.value.code == 1013
        with client.websocket_connect("/v1/ws") as ws:
            assert _ready(ws, bob) == {"type": "ready", "user_id": bob["id"]}
            r = client.post(f"/v1/conversations/{cid}/messages", json={"body": "still here"}, headers=alice["h"])
            assert r.status_code == 201, r.text
            assert _receive(ws)["message"]["body"] == "still here"
