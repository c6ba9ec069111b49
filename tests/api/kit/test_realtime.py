"""The hub's fan-out bookkeeping: events reach only their audience; a client that falls too far behind is
dropped with TOO_SLOW instead of growing the process's memory."""

from __future__ import annotations

import asyncio
import json
import uuid

from api.kit import realtime


def test_dispatch_to_audience_and_drop_slow_clients() -> None:
    async def scenario() -> None:
        hub = realtime.Hub("redis://127.0.0.1:6379/0", "unused:")
        alice, bob = uuid.uuid4(), uuid.uuid4()
        a, b = hub.join(alice), hub.join(bob)
        hub.dispatch(json.dumps({"audience": [str(alice)], "event": {"n": 0}}))
        assert json.loads(a.queue.get_nowait()) == {"n": 0} and b.queue.empty()
        hub.dispatch("not json")  # ignored, logged
        for n in range(realtime.QUEUE_SIZE + 1):
            hub.dispatch(json.dumps({"audience": [str(bob)], "event": {"n": n}}))
        assert b.queue.get_nowait() == realtime.TOO_SLOW and b.queue.empty()
        assert hub.connections == 1  # bob's connection left; alice's stays
        hub.leave(a)
        assert hub.connections == 0

    asyncio.run(scenario())


def test_malformed_audiences_are_ignored() -> None:
    async def scenario() -> None:
        hub = realtime.Hub("redis://127.0.0.1:6379/0", "unused:")
        alice = uuid.uuid4()
        a = hub.join(alice)
        for audience in ({"x": 1}, "someone", [[1], {"a": 2}, None]):
            hub.dispatch(json.dumps({"audience": audience, "event": {"n": 0}}))  # logged, no exception
        hub.dispatch(json.dumps({"audience": [[1], str(alice)], "event": {"n": 1}}))
        assert a.queue is not None and json.loads(a.queue.get_nowait()) == {"n": 1} and a.queue.empty()

    asyncio.run(scenario())
