"""Redis commands of one event loop sent together: one pipeline per batch instead of a round trip each
(``api.kit.ratelimit``'s hits, failure checks and usage counters)."""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import NoScriptError, RedisError


class CommandBatcher:
    """Runs the commands of one event loop (the rate limiter's scripts, and any command handed to ``RateLimiter.send``),
    pipelining those that arrive together.

    A command is queued; one flush task sends everything queued as a single pipeline (one round trip,
    each hit still its own atomic script run, in arrival order) and, while that round trip is in
    flight, the next commands queue for the following one. Under load this costs one round trip per
    batch instead of per request; idle, a command is sent on the next loop iteration.
    """

    def __init__(self, client: AsyncRedis, loop: asyncio.AbstractEventLoop, scripts: tuple[str, ...]) -> None:
        self.client = client
        self.loop = loop
        self._scripts = scripts  # loaded again when Redis answers NOSCRIPT
        self._queue: list[tuple[tuple[Any, ...], asyncio.Future[Any]]] = []
        self._flushing = False

    def run(self, *args: Any) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = self.loop.create_future()
        self._queue.append((args, future))
        if not self._flushing:
            self._flushing = True
            self.loop.create_task(self._flush())
        return future

    async def _flush(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    results = await self._send(batch)
                except Exception as exc:  # RedisError: each hit fails open upstream, logged
                    results = [exc] * len(batch)
                except BaseException:  # cancelled (shutdown): don't leave the batch waiting
                    self._settle(batch, [RedisError("rate limiter stopped")] * len(batch))
                    raise
                self._settle(batch, results)
        finally:
            self._flushing = False
            if self._queue:  # cancelled with commands still queued: don't leave them waiting
                self._settle(self._queue, [RedisError("rate limiter stopped")] * len(self._queue))
                self._queue = []

    async def _send(self, batch: list[tuple[tuple[Any, ...], asyncio.Future[Any]]]) -> list[Any]:
        results = await self._pipeline([args for args, _ in batch])
        missing = [i for i, r in enumerate(results) if isinstance(r, NoScriptError)]
        if missing:
            # Redis restarted or flushed its scripts: load it and send again the commands that did not
            # run (only those: the batch's other commands, e.g. counters, ran and must not run twice).
            for script in self._scripts:
                await self.client.script_load(script)
            again = await self._pipeline([batch[i][0] for i in missing])
            for i, result in zip(missing, again, strict=True):
                results[i] = result
        return results

    async def _pipeline(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        pipe = self.client.pipeline(transaction=False)
        for args in commands:
            pipe.execute_command(*args)
        return list(await pipe.execute(raise_on_error=False))

    @staticmethod
    def _settle(batch: list[tuple[tuple[Any, ...], asyncio.Future[Any]]], results: list[Any]) -> None:
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():  # the request went away meanwhile
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)
