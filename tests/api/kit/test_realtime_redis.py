"""The push hub against a real Redis: whatever ends its subscription (a killed connection, one that went silent,
a stop), it never leaves a socket waiting on a stream with a gap, resubscribes by itself, and never says
"ready" without a running, confirmed subscription."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import uuid
from collections.abc import AsyncIterator

from prometheus_client import REGISTRY
from redis import Redis

from api.kit import realtime

REDIS = "redis://127.0.0.1:6379/0"


def _losses(cause: str) -> float:
    return REGISTRY.get_sample_value("lancer_realtime_subscription_losses_total", {"cause": cause}) or 0.0


async def _next(conn: realtime.Connection) -> str:
    assert conn.queue is not None
    return await asyncio.wait_for(conn.queue.get(), 10)


async def _lost_then_back(hub: realtime.Hub, prefix: str, break_it: object) -> None:
    """Events flow; ``break_it()`` breaks the subscription; the ready socket is closed; a new one gets events."""
    publisher = Redis.from_url(REDIS)
    user = uuid.uuid4()
    assert await hub.wait_subscribed()
    before = hub.join(user)
    realtime.publish(publisher, prefix, [user], {"n": 1})
    assert json.loads(await _next(before)) == {"n": 1}
    await break_it()  # type: ignore[operator]
    # The socket that was told "ready" is closed (its stream now has a gap): its client resyncs.
    assert await _next(before) == realtime.TOO_SLOW and before.close_reason == realtime.INTERRUPTED_REASON
    assert hub.connections == 0 and not hub.live
    # Resubscribed by itself: a new socket gets what is published after its "ready".
    assert await hub.wait_subscribed()
    after = hub.join(user)
    realtime.publish(publisher, prefix, [user], {"n": 2})
    assert json.loads(await _next(after)) == {"n": 2}
    publisher.close()


def test_a_killed_connection_closes_the_sockets_and_the_hub_resubscribes() -> None:
    async def scenario() -> None:
        prefix = f"rt-{uuid.uuid4().hex[:8]}:"
        hub = realtime.Hub(REDIS, prefix)
        await hub.start()
        losses = _losses("error")

        async def kill() -> None:
            admin = Redis.from_url(REDIS)
            ids = [c["id"] for c in admin.client_list(_type="pubsub") if c.get("name") == hub.client_name]
            assert len(ids) == 1, "the hub's connection carries its client name"
            admin.client_kill_filter(_id=ids[0])
            admin.close()

        try:
            await _lost_then_back(hub, prefix, kill)
        finally:
            await hub.stop()
        assert _losses("error") == losses + 1
        assert not hub.live and not await hub.wait_subscribed(0.1)  # a stopped hub never says "ready"

    asyncio.run(scenario())


class _Proxy:
    """A TCP proxy to Redis that can go silent: bytes stop flowing both ways, no FIN, no RST (as when a NAT or
    load balancer forgets a connection). Connections opened after ``freeze()`` flow again."""

    def __init__(self) -> None:
        self.frozen: list[asyncio.Event] = []

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stop: asyncio.Event) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                if stop.is_set():
                    continue  # swallowed: the peer never hears of it
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", 6379)
        stop = asyncio.Event()
        self.frozen.append(stop)
        await asyncio.gather(self._pipe(reader, up_writer, stop), self._pipe(up_reader, writer, stop))

    def freeze(self) -> None:
        for stop in self.frozen:
            stop.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            server.close()


def test_a_connection_gone_silent_is_noticed_by_the_heartbeat() -> None:
    async def scenario() -> None:
        prefix = f"rt-{uuid.uuid4().hex[:8]}:"
        proxy = _Proxy()
        async with proxy.running() as url:
            hub = realtime.Hub(url, prefix, heartbeat_seconds=0.5)
            await hub.start()
            losses = _losses("silent")

            async def go_silent() -> None:
                proxy.freeze()

            try:
                await _lost_then_back(hub, prefix, go_silent)
            finally:
                await hub.stop()
            assert _losses("silent") == losses + 1

    asyncio.run(scenario())


def test_stop_ends_the_hub_whenever_it_comes() -> None:
    """Stopped at any point of its start (connecting, subscribing, listening), the hub ends: a cancellation
    redis-py swallowed inside its handshake left stop() (and the app's shutdown) waiting forever."""

    async def scenario() -> None:
        for attempt in range(40):
            hub = realtime.Hub(REDIS, f"rt-{uuid.uuid4().hex[:8]}:")
            await hub.start()
            await asyncio.sleep(attempt * 0.0005)
            await asyncio.wait_for(hub.stop(), 10)
            assert not hub.live

    asyncio.run(scenario())


def test_a_hub_running_on_another_event_loop_never_says_ready() -> None:
    """The hub hands events to sockets of its own loop only: asked from another loop (another server of the same
    app object), it refuses at once instead of promising events that would never come."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    hub = realtime.Hub(REDIS, f"rt-{uuid.uuid4().hex[:8]}:")
    try:
        asyncio.run_coroutine_threadsafe(hub.start(), loop).result(10)
        assert asyncio.run_coroutine_threadsafe(hub.wait_subscribed(), loop).result(15) is True
        assert asyncio.run(asyncio.wait_for(hub.wait_subscribed(), 5)) is False
    finally:
        asyncio.run_coroutine_threadsafe(hub.stop(), loop).result(15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_a_quiet_healthy_subscription_is_kept() -> None:
    """No events for many heartbeats: the PINGs are answered, so the subscription (and its sockets) stay."""

    async def scenario() -> None:
        hub = realtime.Hub(REDIS, f"rt-{uuid.uuid4().hex[:8]}:", heartbeat_seconds=0.2)
        await hub.start()
        try:
            assert await hub.wait_subscribed()
            conn = hub.join(uuid.uuid4())
            losses = sum(_losses(c) for c in ("silent", "error", "ended"))
            await asyncio.sleep(2)
            assert hub.live and hub.connections == 1 and conn.queue is not None and conn.queue.empty()
            assert sum(_losses(c) for c in ("silent", "error", "ended")) == losses
        finally:
            await hub.stop()

    asyncio.run(scenario())
