"""uvicorn's WebSocket protocol (websockets, sans-I/O) plus a direct write path for the push hub.

Pushing one event to 500 local sockets through ASGI costs, per socket, a queue hop, a task wake-up, the
ASGI ``send`` chain and a frame built by the websockets library: ~100 us of CPU each, so the last
socket of a process was written tens of milliseconds after the first. The push frame is the same for
every socket (server frames are not masked, and nothing is compressed: permessage-deflate is off unless
``WS_PER_MESSAGE_DEFLATE`` and the client asks for it), so the hub builds it once
(:func:`api.kit.realtime.text_frame`) and this protocol lets it write those bytes straight to each
socket's transport.

How the app finds it: an ASGI extension in the connection's scope, ``scope["extensions"][EXTENSION]
= {"socket": DirectSocket}``. A server without it (the test client, another ASGI server), or a
connection that negotiated compression, doesn't offer it and the app falls back to ordinary ASGI sends.

It reads uvicorn's own connection state (``close_sent``, ``close_timer``, ``conn``, ``transport``):
``tests/api/messages/test_ws_direct.py`` runs the real server, so an uvicorn upgrade that changes them
fails there, not in production.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

EXTENSION = "lancer.websocket.direct"


class DirectSocket:
    """Write whole, pre-built frames to one connection; see the module docstring."""

    __slots__ = ("_p",)

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self._p = protocol

    def write(self, frame: bytes) -> bool:
        """Queue ``frame`` on the socket (never blocks); False when the connection is no longer open."""
        p = self._p
        if not p.handshake_complete or p.close_sent or p.disconnected or p.transport.is_closing() \
                or p.conn.state is not State.OPEN:
            return False
        p.transport.write(frame)
        return True

    def buffered(self) -> int:
        """Bytes written but not yet taken by the kernel: how far behind this client is."""
        return int(self._p.transport.get_write_buffer_size())

    def close(self, code: int, reason: str) -> None:
        """Close behind what is already buffered (the hub's 1013: too slow, or push interrupted); abort if
        the client hasn't read it in time.

        The app's ``receive`` gets a disconnect at once (as after its own ``websocket.close``), so its
        handler ends and leaves the hub now, not when the client finally goes.
        """
        p = self._p
        if p.close_sent or p.disconnected or p.transport.is_closing():
            return
        p.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        p.conn.send_close(code, reason)
        p.transport.write(b"".join(p.conn.data_to_send()))
        p.close_sent = True
        if p.read_paused:  # the close reply must be readable
            p.read_paused = False
            p.transport.resume_reading()
        # A client that isn't reading never gets to the close frame: drop the connection (and its
        # buffer) after uvicorn's own close timeout. The peer's close reply cancels this (handle_close).
        p.close_timer = p.loop.call_later(p.close_timeout, p.transport.abort)


class LancerWebSocketProtocol(WebSocketsSansIOProtocol):
    """``lancer api``'s WebSocket protocol (``uvicorn --ws api.kit.wsserver:LancerWebSocketProtocol``)."""

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        # The scope was just built and the app's task only created, not started: the extension is
        # there by the time the app reads it. Not offered when the handshake negotiated an extension
        # (permessage-deflate: frames differ per socket).
        scope = getattr(self, "scope", None)
        if scope is not None and self.handshake_initiated and not self.conn.extensions:
            scope.setdefault("extensions", {})[EXTENSION] = {"socket": DirectSocket(self)}
