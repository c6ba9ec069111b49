"""Real-time push to connected WebSocket clients, across API processes, through Redis pub/sub.

A service that changed something publishes ``{audience, event}`` on one Redis channel after its
transaction committed (:func:`publish`); every API process runs one :class:`Hub` subscribed to that
channel and hands each event to the local connections of the users in its audience. Pub/sub is
fire-and-forget: a client that was offline (or too slow, see ``QUEUE_SIZE``) catches up through the
HTTP history and unread counts, which come from the database, not from here.

Delivery is at most once, and gapless only while a socket is open: "ready" is said only while the hub's
subscription is confirmed and its listener runs, and when the subscription is lost (Redis restarted, the
connection was killed or went silent, the listener ended) every local socket is closed with 1013, so no
client keeps waiting on a stream that has a hole in it; it reconnects and refetches what it missed. The hub
resubscribes with backoff; ``lancer_realtime_subscribed`` and the readiness check show whether it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import uuid
from collections.abc import Iterable
from typing import Any, Protocol

import structlog
from prometheus_client import Counter, Gauge
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from websockets.frames import Frame, Opcode

log = structlog.get_logger(__name__)

# Bytes written to a direct socket and not yet taken by its kernel buffer; past this the client is
# disconnected (it resyncs on reconnect) rather than growing the process's memory without bound. The
# kernel's own send buffer (up to a few MB) comes before it, so only a client that stopped reading, or
# reads far slower than events arrive, ever gets here.
BUFFER_BYTES = 512 * 1024
# The same bound, in events, for connections without the direct path (ASGI sends from a queue).
QUEUE_SIZE = 256
# A quiet subscription is PINGed this often; no reply within as long again and it is taken for dead. A
# connection dropped without a FIN/RST (a NAT or load balancer forgetting it) would otherwise look
# subscribed forever while nothing arrives.
HEARTBEAT_SECONDS = 15.0
# Resubscription delays: doubling from the first to the cap, each with jitter, so the processes of a
# deployment don't all reconnect to a Redis that just came back in the same instant.
BACKOFF_FIRST, BACKOFF_CAP = 0.2, 10.0

# What a socket reads when the hub drops it (RFC 6455 1013, "try again later").
CLOSE_CODE = 1013
TOO_SLOW_REASON = "too slow; reconnect and resync"
INTERRUPTED_REASON = "push interrupted; reconnect and resync"

SUBSCRIBED = Gauge("lancer_realtime_subscribed",
                   "1 while this process's push hub has a confirmed Redis subscription and a running listener")
LOSSES = Counter("lancer_realtime_subscription_losses_total",
                 "Push subscriptions lost (its sockets were closed so their clients resync)",
                 ["cause"])  # error (Redis), silent (no reply to the heartbeat PING), ended (unsubscribed)


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
    def close(self, code: int, reason: str) -> None: ...


# Put in a connection's inbox (emptied first) when the hub drops it; its ``close_reason`` says why.
TOO_SLOW = ""


class Connection:
    """One WebSocket: written directly (``direct``), or, without that, an inbox of serialized events
    that the socket's own sender task empties (JSON text, encoded once for every recipient)."""

    __slots__ = ("close_reason", "direct", "queue", "user_id")

    def __init__(self, user_id: uuid.UUID, direct: DirectSocket | None = None) -> None:
        self.user_id = user_id
        self.direct = direct
        self.close_reason = TOO_SLOW_REASON
        self.queue: asyncio.Queue[str] | None = None if direct else asyncio.Queue(QUEUE_SIZE + 1)  # + TOO_SLOW

    def push(self, text: str, frame: bytes) -> bool:
        """Hand over one event; False when the connection is gone or was dropped for being too slow."""
        if self.direct is not None:
            if self.direct.buffered() > BUFFER_BYTES:
                self.drop(TOO_SLOW_REASON)
                return False
            return self.direct.write(frame)
        assert self.queue is not None
        if self.queue.qsize() < QUEUE_SIZE:
            self.queue.put_nowait(text)
            return True
        self.drop(TOO_SLOW_REASON)
        return False

    def drop(self, reason: str) -> None:
        """Close the socket with :data:`CLOSE_CODE` after what it was already given."""
        self.close_reason = reason
        if self.direct is not None:
            self.direct.close(CLOSE_CODE, reason)
            return
        assert self.queue is not None
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(TOO_SLOW)


class _Ended(Exception):
    """The subscription ended without a Redis error (unsubscribed)."""


class Hub:
    """This process's subscriber: one Redis connection, fanned out to the local WebSockets."""

    def __init__(self, redis_url: str, prefix: str, heartbeat_seconds: float = HEARTBEAT_SECONDS) -> None:
        self._url = redis_url
        self._channel = channel(prefix)
        self._heartbeat = heartbeat_seconds
        self._by_user: dict[str, set[Connection]] = {}
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscribed = asyncio.Event()
        # Names this hub's Redis connection (CLIENT LIST shows it): operators and tests can find it.
        self.client_name = f"lancer-realtime-{uuid.uuid4().hex[:12]}"

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

    @property
    def live(self) -> bool:
        """Subscribed (Redis confirmed it) by a listener that still runs: events published now arrive."""
        return self._subscribed.is_set() and self._task is not None and not self._task.done()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run())

    async def wait_subscribed(self, timeout: float = 10) -> bool:
        """True once :attr:`live`, within ``timeout``; say "ready" and join with no await after it.

        False at once when this hub runs on another event loop than the caller's (its listener can't
        hand events to this loop's sockets) or was stopped."""
        if self._loop is not asyncio.get_running_loop():
            return False
        try:
            async with asyncio.timeout(timeout):
                while not self.live:
                    if self._task is None or self._task.done():
                        return False
                    await self._subscribed.wait()
                    # Woken by a set() that a loss may have undone before this task ran: look again.
                    if not self.live:
                        await asyncio.sleep(0)
        except TimeoutError:
            return False
        return True

    async def stop(self) -> None:
        self._lose(None)
        task, self._task = self._task, None
        if task is None:
            return
        # redis-py can swallow a cancellation that lands inside its connection handshake and go on
        # listening, so one cancel() may not end the task: repeat until it has ended.
        while not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=0.5)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            task.result()

    def dispatch(self, raw: bytes | str) -> None:
        try:
            message = json.loads(raw)
            audience, event = message["audience"], json.dumps(message["event"], separators=(",", ":"))
            if not isinstance(audience, list):
                raise TypeError("audience")
        except (ValueError, KeyError, TypeError):
            log.warning("realtime.bad_message")
            return
        frame = b""
        for user in audience:
            # Not a string (a malformed publish): skipped, rather than a TypeError that ends the subscription.
            conns = self._by_user.get(user) if isinstance(user, str) else None
            if not conns:
                continue
            if not frame:
                frame = text_frame(event)  # only in processes with a recipient, once
            for conn in list(conns):
                if not conn.push(event, frame):
                    self.leave(conn)

    def _lose(self, cause: str | None) -> None:
        """The subscription is gone: no more "ready", and every local socket (whose stream now has a gap)
        is closed so its client reconnects and resyncs. ``cause`` None: the hub is stopping."""
        was = self._subscribed.is_set()
        self._subscribed.clear()
        SUBSCRIBED.set(0)
        if cause is None or not was:
            return
        LOSSES.labels(cause=cause).inc()
        dropped, self._by_user = self._by_user, {}
        for conns in dropped.values():
            for conn in conns:
                conn.drop(INTERRUPTED_REASON)

    async def _run(self) -> None:
        # Resubscribe forever: a Redis restart, a killed connection or a silent one must not end push until
        # the API restarts. Whatever ends a subscription, _lose() runs before the next one starts.
        delay = BACKOFF_FIRST
        while True:
            started = asyncio.get_running_loop().time()
            silent = asyncio.Event()
            try:
                await self._subscription(silent)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep the subscriber alive across Redis failures
                cause = "silent" if silent.is_set() else "ended" if isinstance(exc, _Ended) else "error"
                log.warning("realtime.subscription_lost", cause=cause, error=type(exc).__name__)
                self._lose(cause)
            if asyncio.get_running_loop().time() - started > BACKOFF_CAP:
                delay = BACKOFF_FIRST  # it had been up a while: this is a new incident
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, BACKOFF_CAP)

    async def _subscription(self, silent: asyncio.Event) -> None:
        """One subscription, until it fails (raises) or is cancelled; never returns."""
        # No retries inside redis-py: a reconnection it made on its own would resubscribe behind our back,
        # after a gap no socket would hear of. Every reconnection goes through _run and _lose.
        client = AsyncRedis.from_url(self._url, client_name=self.client_name, socket_connect_timeout=5,
                                     socket_timeout=5, retry=Retry(NoBackoff(), 0))
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(self._channel)
                heard = [0]  # messages read: the watchdog's proof of life, one increment per message
                watchdog = asyncio.create_task(self._watch(pubsub, heard, silent))
                try:
                    async for message in pubsub.listen():
                        heard[0] += 1
                        kind = message.get("type")
                        if kind == "message":
                            self.dispatch(message["data"])
                        elif kind == "subscribe":
                            # Redis confirmed: from here on, every publish on the channel reaches us.
                            self._subscribed.set()
                            SUBSCRIBED.set(1)
                        elif kind == "unsubscribe":
                            raise _Ended("unsubscribed")
                finally:
                    watchdog.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await watchdog
                raise _Ended("listen() returned")  # no channel left
        finally:
            # Never let closing a broken connection end the listener (the loop above must go on).
            with contextlib.suppress(Exception):
                await client.aclose()

    async def _watch(self, pubsub: PubSub, heard: list[int], silent: asyncio.Event) -> None:
        """PING a quiet subscription; no reply within a heartbeat and the connection is closed under the
        listener (whose read then fails). Beside the listener, not in its loop: a read with a timeout costs
        every event ~7 us more (`lancer bench messages` receives every event in every process)."""
        seen, pinged = heard[0], False
        while True:
            await asyncio.sleep(self._heartbeat)
            if heard[0] != seen:
                seen, pinged = heard[0], False
            elif not pinged:
                await pubsub.ping()  # its reply is a message too
                pinged = True
            else:
                silent.set()
                await pubsub.connection.disconnect(nowait=True)
                return
