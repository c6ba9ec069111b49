"""The hub's direct write path (api.kit.wsserver on a real uvicorn): events reach a reading client in
order, while a client that stopped reading is closed once its buffer passes ``BUFFER_BYTES``, without
holding the others back."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import uuid

import uvicorn
import websockets
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from api.kit import realtime, wsserver

PAD = "x" * 50_000  # big events: the slow client's kernel buffers fill after a few dozen


def _app(hub: realtime.Hub) -> Starlette:
    async def push(websocket: WebSocket) -> None:  # the shape of api.messages.router.push, minus auth
        await websocket.accept()
        user = uuid.UUID(websocket.query_params["user"])
        direct = (websocket.scope.get("extensions") or {}).get(wsserver.EXTENSION, {}).get("socket")
        assert direct is not None, "the server offers the direct path"
        await websocket.send_json({"type": "ready"})
        conn = hub.join(user, direct)
        try:
            with contextlib.suppress(WebSocketDisconnect):
                while (await websocket.receive())["type"] != "websocket.disconnect":
                    pass
        finally:
            hub.leave(conn)

    return Starlette(routes=[WebSocketRoute("/ws", push)])


def test_a_client_that_stops_reading_is_dropped_and_the_others_get_everything() -> None:
    async def scenario() -> None:
        hub = realtime.Hub("redis://127.0.0.1:6379/0", "unused:")  # dispatch() is called directly
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(_app(hub), host="127.0.0.1", port=port, log_level="warning",
                                               ws=wsserver.LancerWebSocketProtocol, ws_per_message_deflate=False))
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        fast_user, slow_user = uuid.uuid4(), uuid.uuid4()
        fast = await websockets.connect(f"ws://127.0.0.1:{port}/ws?user={fast_user}", max_size=None)
        # The slow client: a small receive buffer, and after "ready" it never reads again.
        slow = await websockets.connect(f"ws://127.0.0.1:{port}/ws?user={slow_user}", max_size=None, max_queue=1)
        assert json.loads(await fast.recv()) == {"type": "ready"}
        assert json.loads(await slow.recv()) == {"type": "ready"}
        while hub.connections < 2:
            await asyncio.sleep(0.05)
        sent = 0
        try:
            # Rounds of events to both; the fast client reads each round before the next one goes out.
            while hub.connections == 2:
                assert sent < 2_000, "the slow client was never dropped"
                for _ in range(10):
                    hub.dispatch(json.dumps({"audience": [str(fast_user), str(slow_user)],
                                             "event": {"n": sent, "pad": PAD}}))
                    sent += 1
                for n in range(sent - 10, sent):
                    assert json.loads(await asyncio.wait_for(fast.recv(), 30))["n"] == n
                await asyncio.sleep(0)
            # The slow one is out of the hub; the fast one still gets every event, in order.
            hub.dispatch(json.dumps({"audience": [str(fast_user), str(slow_user)], "event": {"n": sent}}))
            assert json.loads(await asyncio.wait_for(fast.recv(), 30)) == {"n": sent}
            assert hub.connections == 1
            # Reading again, the slow client finds what was buffered, then the 1013 close.
            received = 0
            with contextlib.suppress(websockets.ConnectionClosed):
                while True:
                    await asyncio.wait_for(slow.recv(), 30)
                    received += 1
            assert 0 < received < sent
            assert slow.close_code == realtime.CLOSE_CODE
        finally:
            await fast.close()
            await slow.close()
            server.should_exit = True
            await serving

    asyncio.run(scenario())
