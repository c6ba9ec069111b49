"""Real-time push to connected WebSocket clients, across API processes, through Redis pub/sub.

A service that changed something publishes ``{audience, event}`` on one Redis channel after its
transaction committed (:func:`publish`); every API process runs one :class:`Hub` subscribed to that
channel and hands each event to the local connections of the users in its audience. Pub/sub is
fire-and-forget: a client that was offline (or too slow, see ``QUEUE_SIZE``) catches up through the
HTTP history and unread counts, which come from the database, not from here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Iterable
from typing import Any, Protocol

import structlog
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from websockets.frames import Frame, Opcode

log = structlog.get_logger(__name__)

# Bytes written to a direct socket and not yet taken by its kernel buffer; past this the client is
# disconnected (it resyncs on reconnect) rather than growing the process's memory without bound. The
# kernel's own send buffer (up to a few MB) comes before it, so only a client that stopped reading, or
# reads far slower than events arrive, ever gets here.
BUFFER_BYTES = 512 * 1024
# The same bound, in events, for connections without the direct path (ASGI sends from a queue).
QUEUE_SIZE = 256


def channel(prefix: str) -> str:
    return f"{prefix}realtime"


def publish(redis: Redis, prefix: str, audience: Iterable[uuid.UUID | str], event: dict[str, Any]) -> None:
    """Send ``event`` to every connection of the users in ``audience``, in any API process.

    Call after the commit that made the event true. A Redis failure is logged and swallowed: the
    change is committed and the clients will see it on their next read.
    """
    publish_encoded(redis, prefix, json.dumps(sorted({str(u) for u in audience})), event)


def publish_encoded(redis: Redis, prefix: str, audience_json: str, event: dict[str, Any]) -> None:
    """:func:`publish` with the audience already a JSON array of user id strings (e.g. made by
    PostgreSQL's ``array_to_json``), so a large audience is never turned into Python objects here."""
    message = '{"audience":%s,"event":%s}' % (audience_json, json.dumps(event, separators=(",", ":"), default=str))
    try:
        redis.publish(channel(prefix), message)
    except Exception as exc:  # noqa: BLE001 - push is best-effort by design (see the module docstring)
        log.warning("realtime.publish_failed", error=type(exc).__name__)


def text_frame(text: str) -> bytes:
    """One unmasked, uncompressed WebSocket text frame: what a server sends, the same for every socket."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


class DirectSocket(Protocol):
    """A socket the hub writes whole frames to (:class:`api.kit.wsserver.DirectSocket`)."""

    def write(self, frame: bytes) -> bool: ...
    def buffered(self) -> int: ...
    def close_slow(self) -> None: ...


# Put in a connection's inbox (emptied first) when the hub drops it for being too slow.
TOO_SLOW = ""


class Connection:
    """One WebSocket: written directly (``direct``), or, without that, an inbox of serialized events
    that the socket's own sender task empties (JSON text, encoded once for every recipient)."""

    __slots__ = ("direct", "queue", "user_id")

    def __init__(self, user_id: uuid.UUID, direct: DirectSocket | None = None) -> None:
        self.user_id = user_id
        self.direct = direct
        self.queue: asyncio.Queue[str] | None = None if direct else asyncio.Queue(QUEUE_SIZE + 1)  # + TOO_SLOW

    def push(self, text: str, frame: bytes) -> bool:
        """Hand over one event; False when the connection is gone or was dropped for being too slow."""
        if self.direct is not None:
            if self.direct.buffered() > BUFFER_BYTES:
                self.direct.close_slow()
                return False
            return self.direct.write(frame)
        assert self.queue is not None
        if self.queue.qsize() < QUEUE_SIZE:
            self.queue.put_nowait(text)
            return True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(TOO_SLOW)
        return False


class Hub:
    """This process's subscriber: one Redis connection, fanned out to the local WebSockets."""

    def __init__(self, redis_url: str, prefix: str) -> None:
        self._url = redis_url
        self._channel = channel(prefix)
        self._by_user: dict[str, set[Connection]] = {}
        self._task: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    def join(self, user_id: uuid.UUID, direct: DirectSocket | None = None) -> Connection:
        conn = Connection(user_id, direct)
        self._by_user.setdefault(str(user_id), set()).add(conn)
        return conn

    def leave(self, conn: Connection) -> None:
        peers = self._by_user.get(str(conn.user_id))
        if peers is not None:
            peers.discard(conn)
            if not peers:
                del self._by_user[str(conn.user_id)]

    @property
    def connections(self) -> int:
        return sum(len(c) for c in self._by_user.values())

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def wait_subscribed(self, timeout: float = 10) -> None:
        await asyncio.wait_for(self._subscribed.wait(), timeout)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def dispatch(self, raw: bytes | str) -> None:
        try:
            message = json.loads(raw)
            audience, event = message["audience"], json.dumps(message["event"], separators=(",", ":"))
        except (ValueError, KeyError, TypeError):
            log.warning("realtime.bad_message")
            return
        frame = b""
        for user in audience:
            conns = self._by_user.get(user)
            if not conns:
                continue
            if not frame:
                frame = text_frame(event)  # only in processes with a recipient, once
            for conn in list(conns):
                if not conn.push(event, frame):
                    self.leave(conn)

    async def _run(self) -> None:
        # Reconnect forever: a Redis restart must not silence push until the API restarts.
        while True:
            client = AsyncRedis.from_url(self._url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    async for message in pubsub.listen():
                        kind = message.get("type")
                        if kind == "message":
                            self.dispatch(message["data"])
                        elif kind == "subscribe":
                            # Redis confirmed: from here on, every publish on the channel reaches us.
                            self._subscribed.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep the subscriber alive across Redis failures
                log.warning("realtime.subscriber_failed", error=type(exc).__name__)
                self._subscribed.clear()
                await asyncio.sleep(1)
            finally:
                await client.aclose()
