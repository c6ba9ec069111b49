"""The rate limiter's pipelined commands on real Redis: after Redis lost its scripts (a restart, SCRIPT
FLUSH) a batch loads them again and re-sends only the commands that did not run."""

from __future__ import annotations

import asyncio
import uuid

from redis import Redis

from api.kit.ratelimit import RateLimiter


def test_a_batch_survives_lost_scripts_and_runs_each_command_once(redis_url: str, redis_prefix: str) -> None:
    prefix = f"{redis_prefix}batch-{uuid.uuid4().hex[:6]}:"
    redis = Redis.from_url(redis_url)
    limiter = RateLimiter(redis, prefix, async_url=redis_url)
    counter = f"{prefix}counter"

    async def scenario() -> tuple[int | None, int | None, object]:
        first = await limiter.ahit("ip", "203.0.113.9", 10, 60)
        redis.script_flush()  # as after a Redis restart: every script is unknown to the server
        # Queued together, so sent as one pipeline: the INCR runs, the EVALSHA gets NOSCRIPT.
        counted = limiter.send("INCR", counter)
        second = limiter.ahit("ip", "203.0.113.9", 10, 60)
        results = await asyncio.gather(second, counted)
        await limiter.aclose()
        return (first.remaining if first else None, results[0].remaining if results[0] else None, results[1])

    try:
        first, second, incremented = asyncio.run(scenario())
        assert (first, second) == (9, 8)  # the second hit was counted (not failed open), once
        assert incremented == 1 and int(redis.get(counter) or 0) == 1  # the INCR was not sent again
    finally:
        redis.delete(counter, f"{prefix}rl:ip:203.0.113.9")
        redis.close()
