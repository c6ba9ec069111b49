"""Messaging routes: conversations, messages, unread counts, and the WebSocket push channel `/v1/ws`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session as Db
from starlette.concurrency import run_in_threadpool

from api.auth import Principal, user, websocket_user
from api.kit import idempotency, realtime, wsserver
from api.kit.deps import get_db
from api.kit.idempotency import IdemKey
from api.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from api.kit.problems import Problem
from api.messages import service
from api.messages.schemas import (
    ConversationIn,
    ConversationOut,
    ConversationPage,
    MessageIn,
    MessageOut,
    MessagePage,
    ReadIn,
    ReadOut,
    UnreadOut,
)

router = APIRouter(tags=["messages"])
Me = Annotated[Principal, user()]
DbDep = Annotated[Db, Depends(get_db)]

# Seconds a new WebSocket has to send its access token before it is closed with 4401.
WS_AUTH_TIMEOUT = 10
WS_UNAUTHORIZED = 4401


def _me(principal: Principal) -> uuid.UUID:
    assert principal.user_id is not None
    return principal.user_id


@router.get("/v1/conversations", response_model=ConversationPage,
            summary="My conversations, most recently active first, with unread counts (keyset pagination)")
def list_conversations(principal: Me, db: DbDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> ConversationPage:
    items, next_cursor = service.list_conversations(db, _me(principal), limit, cursor)
    return ConversationPage(items=items, next_cursor=next_cursor)


@router.post("/v1/conversations", response_model=ConversationOut,
             summary="Open (or find) a conversation with a user, or about an indexed escrow I am a party to")
def open_conversation(principal: Me, request: Request, db: DbDep, body: ConversationIn, key: IdemKey = None) -> Any:
    me = _me(principal)
    fp = idempotency.fingerprint("POST", request.url.path, body.model_dump(mode="json"))
    if (stored := idempotency.replay(db, principal.actor, key, fp)) is not None:
        return stored
    conv = service.open_conversation(db, me, body)
    out = service.conversation_out(db, me, conv)
    idempotency.remember(db, principal.actor, key, fp, 200, out.model_dump(mode="json"))
    idempotency.commit(db)
    return out


@router.get("/v1/conversations/{conversation_id}", response_model=ConversationOut,
            summary="One of my conversations")
def get_conversation(principal: Me, db: DbDep, conversation_id: uuid.UUID) -> ConversationOut:
    return service.get_conversation(db, _me(principal), conversation_id)


@router.get("/v1/conversations/{conversation_id}/messages", response_model=MessagePage,
            summary="Messages of a conversation, newest first (keyset pagination)")
def list_messages(principal: Me, db: DbDep, conversation_id: uuid.UUID, limit: Limit = DEFAULT_LIMIT,
                  cursor: Cursor = None) -> MessagePage:
    items, next_cursor = service.history(db, _me(principal), conversation_id, limit, cursor)
    return MessagePage(items=items, next_cursor=next_cursor)


@router.post("/v1/conversations/{conversation_id}/messages", response_model=MessageOut, status_code=201,
             summary="Send a message (pushed to the participants' WebSockets)")
def post_message(principal: Me, request: Request, db: DbDep, conversation_id: uuid.UUID, body: MessageIn,
                 key: IdemKey = None) -> Any:
    me = _me(principal)
    fp = idempotency.fingerprint("POST", request.url.path, body.model_dump(mode="json"))
    if (stored := idempotency.replay(db, principal.actor, key, fp)) is not None:
        return stored
    out, audience = service.post_message(db, me, conversation_id, body.body)
    payload = out.model_dump(mode="json")
    idempotency.remember(db, principal.actor, key, fp, 201, payload)
    idempotency.commit(db)
    realtime.publish_encoded(request.app.state.redis, request.app.state.settings.redis_key_prefix, audience,
                             {"type": service.MESSAGE_CREATED, "message": payload})
    return JSONResponse(payload, status_code=201)


@router.post("/v1/conversations/{conversation_id}/read", response_model=ReadOut,
             summary="Mark messages read, up to `up_to` (default: all)")
def mark_read(principal: Me, db: DbDep, conversation_id: uuid.UUID, body: ReadIn | None = None) -> ReadOut:
    out = service.mark_read(db, _me(principal), conversation_id, body.up_to if body else None)
    db.commit()
    return out


@router.get("/v1/me/unread", response_model=UnreadOut, summary="My unread message counts, in total and per conversation")
def unread(principal: Me, db: DbDep) -> UnreadOut:
    return service.unread_counts(db, _me(principal))


async def _authenticate(websocket: WebSocket) -> Principal | None:
    """The first message must be ``{"type": "auth", "token": "<access token>"}``.

    Why not the query string: URLs end up in proxy and access logs. Why not ``Sec-WebSocket-Protocol``:
    it is echoed back and logged by some proxies too. A first message stays inside the TLS stream.
    """
    try:
        first = await asyncio.wait_for(websocket.receive_json(), WS_AUTH_TIMEOUT)
    except (TimeoutError, ValueError, KeyError, WebSocketDisconnect):
        return None
    if not isinstance(first, dict) or first.get("type") != "auth" or not isinstance(first.get("token"), str):
        return None
    ip = websocket.client.host if websocket.client else "unknown"
    try:
        return await run_in_threadpool(websocket.app.state.authenticator.user_principal, first["token"], ip)
    except Problem:
        return None


@router.websocket("/v1/ws", dependencies=[websocket_user()])
async def push(websocket: WebSocket) -> None:
    """Push channel: after ``{"type":"auth","token":...}`` the server sends ``{"type":"ready"}``, then
    events such as ``{"type":"message.created","message":{...}}``. Bad or missing token: close 4401."""
    await websocket.accept()
    principal = await _authenticate(websocket)
    if principal is None or principal.user_id is None:
        await websocket.close(code=WS_UNAUTHORIZED, reason="access token missing or rejected")
        return
    hub: realtime.Hub = websocket.app.state.hub
    # lancer api's server (api.kit.wsserver) lets the hub write frames to this socket itself; any other
    # server (the test client, another ASGI server) gets a sender task fed by a queue.
    direct = (websocket.scope.get("extensions") or {}).get(wsserver.EXTENSION, {}).get("socket")
    conn: realtime.Connection | None = None
    try:
        # "ready" promises every event published after it: the hub must be listening before it is said
        # (and if it stops, it closes this socket: the client reconnects and resyncs).
        if not await hub.wait_subscribed():
            await websocket.close(code=realtime.CLOSE_CODE, reason="push is unavailable; reconnect later")
            return
        ready = json.dumps({"type": "ready", "user_id": str(principal.user_id)}, separators=(",", ":"))
        if direct is not None:
            # No await between the ready frame and joining: no event can come before "ready", and none
            # published after the client read it is missed.
            direct.write(realtime.text_frame(ready))
            conn = hub.join(principal.user_id, direct)
            await _drain(websocket)  # the hub writes; this task only notices the client leaving
            return
        # Joined before "ready": events wait in the queue until the sender below starts, after "ready".
        conn = hub.join(principal.user_id, None)
        await websocket.send_text(ready)
        # One sender and one receiver per socket for its whole life: whichever ends first ends both.
        tasks = {asyncio.create_task(_send(websocket, conn)), asyncio.create_task(_drain(websocket))}
        _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await task
    except WebSocketDisconnect:
        pass
    finally:
        if conn is not None:
            hub.leave(conn)


async def _send(websocket: WebSocket, conn: realtime.Connection) -> None:
    assert conn.queue is not None
    with contextlib.suppress(WebSocketDisconnect):
        while (text := await conn.queue.get()) != realtime.TOO_SLOW:
            await websocket.send_text(text)
        await websocket.close(code=realtime.CLOSE_CODE, reason=conn.close_reason)


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, to notice when it goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
