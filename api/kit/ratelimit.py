"""Rate limits in Redis, shared by every API process (fixed window, one atomic Lua script).

A bucket is ``(name, identity)``: e.g. ``("ip", "203.0.113.9")``, ``("auth-ip", ...)``,
``("principal", "user:<uuid>")``. The first hit of a window sets its expiry, so the window is
measured by Redis' clock alone and several processes agree on it.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

import structlog
from fastapi import Request
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import RedisError

from api.kit.client import client_ip, rate_identity
from api.kit.redis_batch import CommandBatcher
from api.kit.problems import Problem

log = structlog.get_logger(__name__)
T = TypeVar("T")

_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""
# A credentialed request whose principal is known without I/O (a remembered API key or access token), in
# one command with the answers of the sequence it replaces: the per-IP hit (KEYS[1]); if allowed, the
# failed-authentication guard's read (KEYS[2]); if under its budget, an API key's use (HINCRBY KEYS[4]
# ARGV[4]; no KEYS[4] for a user's token, whose uses are not counted) and the per-principal hit (KEYS[3]).
# A step refused stops the sequence, as the 429 it gives would.
_CREDENTIALED = """
local function hit(key)
  local count = redis.call('INCR', key)
  local ttl = redis.call('TTL', key)
  if ttl < 0 then
    redis.call('EXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  return count, ttl
end
local ip, ip_ttl = hit(KEYS[1])
if ip > tonumber(ARGV[2]) then return {ip, ip_ttl} end
local failures = tonumber(redis.call('GET', KEYS[2]) or '0')
local failures_ttl = redis.call('TTL', KEYS[2])
if failures >= tonumber(ARGV[3]) then return {ip, ip_ttl, failures, failures_ttl} end
if KEYS[4] then redis.call('HINCRBY', KEYS[4], ARGV[4], 1) end
local principal, principal_ttl = hit(KEYS[3])
return {ip, ip_ttl, failures, failures_ttl, principal, principal_ttl}
"""
# The same hit on KEYS[1], and a read of another counter (KEYS[2]: failed authentications) with its ttl:
# one command where a credentialed request needed three.
_HIT_AND_READ = _SCRIPT.replace("return {count, ttl}", """local other = tonumber(redis.call('GET', KEYS[2]) or '0')
return {count, ttl, other, redis.call('TTL', KEYS[2])}""")


@dataclass(frozen=True)
class Verdict:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends
    allowed: bool

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(self.reset, 1))
        return headers


class RateLimiter:
    def __init__(self, redis: Redis, key_prefix: str, async_url: str | None = None,
                 socket_timeout: float | None = 5) -> None:
        self._redis = redis
        self._prefix = key_prefix
        self._script = redis.register_script(_SCRIPT)
        self._hit_and_read = redis.register_script(_HIT_AND_READ)
        self._credentialed = redis.register_script(_CREDENTIALED)
        # The same script on an asyncio client, for the event loop's hot paths: while one request waits
        # for Redis the loop serves the others, where a sync call would block them all. An asyncio
        # connection belongs to the loop that opened it, and one app can be driven by several loops
        # (test clients), so there is one client per running loop.
        self._async_url = async_url
        self._socket_timeout = socket_timeout
        self._batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CommandBatcher] = weakref.WeakKeyDictionary()
        self._last: CommandBatcher | None = None

    def _batcher(self) -> CommandBatcher | None:
        if self._async_url is None:
            return None
        loop = asyncio.get_running_loop()
        last = self._last
        if last is not None and last.loop is loop:  # the usual case: one loop (a weak-key look-up is not free)
            return last
        found = self._batchers.get(loop)
        if found is None:
            client = AsyncRedis.from_url(self._async_url, socket_timeout=self._socket_timeout)
            found = self._batchers[loop] = CommandBatcher(client, loop, (_SCRIPT, _HIT_AND_READ, _CREDENTIALED))
        self._last = found
        return found

    async def aclose(self) -> None:
        """Close the asyncio client of the running loop (those of loops gone are dropped with them)."""
        found = self._batchers.pop(asyncio.get_running_loop(), None)
        if found is self._last:
            self._last = None
        if found is not None:
            await found.client.aclose()

    def hit(self, bucket: str, identity: str, limit: int, window: int) -> Verdict | None:
        """Count one request; None when Redis is unreachable (rate limiting then fails open, logged)."""
        key = f"{self._prefix}rl:{bucket}:{identity}"
        try:
            count, ttl = self._script(keys=[key], args=[window])
        except RedisError:
            log.error("rate limiter unavailable; allowing request", bucket=bucket)
            return None
        return _verdict(limit, count, ttl)

    async def ahit(self, bucket: str, identity: str, limit: int, window: int) -> Verdict | None:
        """``hit`` without blocking the event loop (same key, same script, same fail-open)."""
        batcher = self._batcher()
        if batcher is None:
            return self.hit(bucket, identity, limit, window)
        key = f"{self._prefix}rl:{bucket}:{identity}"
        try:
            count, ttl = await batcher.run("EVALSHA", self._script.sha, 1, key, window)
        except RedisError:
            log.error("rate limiter unavailable; allowing request", bucket=bucket)
            return None
        return _verdict(limit, count, ttl)

    def count_failure(self, bucket: str, identity: str, window: int) -> int:
        """Increment a failure counter (e.g. wrong 2FA codes); raises RedisError: callers fail closed."""
        count, _ = self._script(keys=[f"{self._prefix}rl:{bucket}:{identity}"], args=[window])
        return int(count)

    def failures(self, bucket: str, identity: str) -> tuple[int, int]:
        key = f"{self._prefix}rl:{bucket}:{identity}"
        pipe = self._redis.pipeline()
        pipe.get(key)
        pipe.ttl(key)
        value, ttl = pipe.execute()
        return int(value or 0), max(int(ttl), 0)

    async def afailures(self, bucket: str, identity: str) -> tuple[int, int]:
        """``failures`` on the event loop, its two reads batched with the other hits; raises RedisError."""
        key = f"{self._prefix}rl:{bucket}:{identity}"
        batcher = self._batcher()
        if batcher is None:
            return self.failures(bucket, identity)
        value, ttl = await asyncio.gather(batcher.run("GET", key), batcher.run("TTL", key))
        return int(value or 0), max(int(ttl), 0)

    async def ahit_and_failures(self, bucket: str, identity: str, limit: int, window: int,
                                failures_bucket: str) -> tuple[Verdict | None, tuple[int, int] | None]:
        """``ahit`` and ``afailures`` of the same identity in one batch (one round trip): the hit's verdict,
        and the failure count and its ttl (None when Redis failed: the callers fail open, logged)."""
        batcher = self._batcher()
        if batcher is None:
            verdict = self.hit(bucket, identity, limit, window)
            try:
                return verdict, self.failures(failures_bucket, identity)
            except RedisError:
                return verdict, None
        key, failures_key = f"{self._prefix}rl:{bucket}:{identity}", f"{self._prefix}rl:{failures_bucket}:{identity}"
        try:
            count, ttl, failures, failures_ttl = await batcher.run("EVALSHA", self._hit_and_read.sha, 2, key,
                                                                   failures_key, window)
        except RedisError:
            log.error("rate limiter unavailable; allowing request", bucket=bucket)
            return None, None
        return _verdict(limit, count, ttl), (int(failures), max(int(failures_ttl), 0))

    async def acredentialed(self, ip: str, principal: str, usage: tuple[str, str] | None, window: int,
                            ip_limit: int, failures_limit: int) -> list[int] | None:
        """The ``_CREDENTIALED`` sequence in one command: [ip count, ttl, (failures, ttl, (principal count,
        ttl))] as far as it went; None when Redis failed (the callers fail open, logged). ``usage``: the
        Redis hash and field counting an API key's uses (None: nothing counted)."""
        keys = [f"{self._prefix}rl:ip:{ip}", f"{self._prefix}rl:auth-fail:{ip}", f"{self._prefix}rl:principal:{principal}"]
        args: list[int | str] = [window, ip_limit, failures_limit]
        if usage is not None:
            keys.append(usage[0])
            args.append(usage[1])
        batcher = self._batcher()
        try:
            if batcher is None:
                return [int(v) for v in self._credentialed(keys=keys, args=args)]
            return [int(v) for v in await batcher.run("EVALSHA", self._credentialed.sha, len(keys), *keys, *args)]
        except RedisError:
            log.error("rate limiter unavailable; allowing request", bucket="ip")
            return None

    def send(self, *args: Any) -> Awaitable[Any]:
        """Queue one Redis command on the event loop's batch (sent with the hits queued with it: no round
        trip of its own) and return its future; raises RedisError when awaited. Without an asyncio
        client, the command runs at once."""
        batcher = self._batcher()
        if batcher is None:
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            try:
                future.set_result(self._redis.execute_command(*args))
            except RedisError as exc:
                future.set_exception(exc)
            return future
        return batcher.run(*args)

    def clear(self, bucket: str, identity: str) -> None:
        self._redis.delete(f"{self._prefix}rl:{bucket}:{identity}")


def _verdict(limit: int, count: object, ttl: object) -> Verdict:
    count, ttl = int(count), int(ttl)  # type: ignore[call-overload]
    return Verdict(limit=limit, remaining=max(limit - count, 0), reset=max(ttl, 0), allowed=count <= limit)


def most_restrictive(verdicts: list[Verdict | None]) -> Verdict | None:
    present = [v for v in verdicts if v is not None]
    if not present:
        return None
    blocked = [v for v in present if not v.allowed]
    if blocked:
        return max(blocked, key=lambda v: v.reset)
    return min(present, key=lambda v: (v.remaining, -v.reset))


# --- Applying the limits to a request ------------------------------------------------------------
# The auth dependencies call these: "default" routes count against the per-IP bucket, "auth" routes
# (sign-in) also against a tighter one, "none" (docs, health probes) against none. The most restrictive
# verdict of a request is kept on ``request.state.ratelimit`` for the response headers.

RateClass = Literal["default", "auth", "none"]


def _limiter(request: Request) -> RateLimiter:
    return request.app.state.ratelimiter  # type: ignore[no-any-return]


def _apply(request: Request, verdicts: list[Verdict | None]) -> None:
    verdict = most_restrictive(verdicts + [getattr(request.state, "ratelimit", None)])
    request.state.ratelimit = verdict
    if verdict is not None and not verdict.allowed:
        raise Problem(429, f"rate limit exceeded; retry in {max(verdict.reset, 1)} s", type_="rate-limited",
                      headers=verdict.headers())


def limit_ip(request: Request, rate: RateClass) -> None:
    settings = request.app.state.settings
    if rate == "none" or not settings.ratelimit_enabled:
        return
    ip = rate_identity(client_ip(request))
    window = settings.ratelimit_window_seconds
    verdicts = [_limiter(request).hit("ip", ip, settings.ratelimit_ip_per_window, window)]
    if rate == "auth":
        verdicts.append(_limiter(request).hit("auth-ip", ip, settings.ratelimit_auth_ip_per_window, window))
    _apply(request, verdicts)


async def alimit_ip(request: Request, rate: RateClass) -> None:
    """``limit_ip`` for the event loop (the anonymous hot paths)."""
    settings = request.app.state.settings
    if rate == "none" or not settings.ratelimit_enabled:
        return
    ip = rate_identity(client_ip(request))
    window = settings.ratelimit_window_seconds
    verdicts = [await _limiter(request).ahit("ip", ip, settings.ratelimit_ip_per_window, window)]
    if rate == "auth":
        verdicts.append(await _limiter(request).ahit("auth-ip", ip, settings.ratelimit_auth_ip_per_window, window))
    _apply(request, verdicts)


def limit_principal(request: Request, identity: str | None, rate: RateClass) -> None:
    """The per-principal bucket (``identity`` is e.g. ``user:<uuid>``; None for anonymous callers)."""
    settings = request.app.state.settings
    if rate == "none" or not settings.ratelimit_enabled or identity is None:
        return
    verdict = _limiter(request).hit(
        "principal", identity, settings.ratelimit_principal_per_window, settings.ratelimit_window_seconds
    )
    _apply(request, [verdict])


async def alimit_principal(request: Request, identity: str | None, rate: RateClass) -> None:
    """``limit_principal`` for the event loop (same bucket and script, batched with the other hits)."""
    settings = request.app.state.settings
    if rate == "none" or not settings.ratelimit_enabled or identity is None:
        return
    verdict = await _limiter(request).ahit(
        "principal", identity, settings.ratelimit_principal_per_window, settings.ratelimit_window_seconds
    )
    _apply(request, [verdict])


# --- Failed authentications ----------------------------------------------------------------------
# Guessing keys or tokens costs the guesser: every 401 counts against the client's IP (IPv6: its /64),
# and past the budget every credentialed call from there is a 429 until the window ends, before any
# credential is even looked at.

def refuse_if_failing(request: Request) -> None:
    settings = request.app.state.settings
    if not settings.ratelimit_enabled:
        return
    try:
        count, ttl = _limiter(request).failures("auth-fail", rate_identity(client_ip(request)))
    except RedisError:
        log.error("rate limiter unavailable; allowing request", bucket="auth-fail")
        return
    _refuse_past(request, count, ttl)


async def alimit_ip_then_guard(request: Request, rate: RateClass, between: Callable[[], T]) -> T:
    """``alimit_ip``, then ``between()`` (e.g. reading the credentials), then ``refuse_if_failing``: the same
    answers in the same order, with the per-IP hit and the failure counter's read sent in one Redis batch."""
    settings = request.app.state.settings
    if not settings.ratelimit_enabled:
        return between()
    ip = rate_identity(client_ip(request))
    window = settings.ratelimit_window_seconds
    if rate == "none":
        value = between()
        try:
            count, ttl = await _limiter(request).afailures("auth-fail", ip)
        except RedisError:
            log.error("rate limiter unavailable; allowing request", bucket="auth-fail")
            return value
        _refuse_past(request, count, ttl)
        return value
    verdict, failures = await _limiter(request).ahit_and_failures("ip", ip, settings.ratelimit_ip_per_window,
                                                                   window, "auth-fail")
    verdicts = [verdict]
    if rate == "auth":
        verdicts.append(await _limiter(request).ahit("auth-ip", ip, settings.ratelimit_auth_ip_per_window, window))
    _apply(request, verdicts)
    value = between()
    if failures is None:
        log.error("rate limiter unavailable; allowing request", bucket="auth-fail")
        return value
    _refuse_past(request, *failures)
    return value


def _refuse_past(request: Request, count: int, ttl: int) -> None:
    limit = request.app.state.settings.ratelimit_auth_failures_per_window
    if count >= limit:
        verdict = Verdict(limit=limit, remaining=0, reset=ttl, allowed=False)
        request.state.ratelimit = verdict
        raise Problem(429, f"too many failed authentications from this address; retry in {max(ttl, 1)} s",
                      type_="rate-limited", headers=verdict.headers())


async def alimit_credentialed(request: Request, principal: str, usage: tuple[str, str] | None) -> bool:
    """For a "default" rate route and a principal known without I/O (a remembered API key or access token):
    the per-IP limit, the failed-authentication guard, an API key's use counted (``usage``: Redis hash and
    field; None for a user) and the per-principal limit, in one Redis command, with the answers (and
    verdict headers) of ``alimit_ip``, ``refuse_if_failing``, the count and ``alimit_principal`` run one
    after the other. False when rate limiting is off (nothing done: the caller runs the usual steps)."""
    settings = request.app.state.settings
    if not settings.ratelimit_enabled:
        return False
    found = await _limiter(request).acredentialed(
        rate_identity(client_ip(request)), principal, usage, settings.ratelimit_window_seconds,
        settings.ratelimit_ip_per_window, settings.ratelimit_auth_failures_per_window)
    if found is None:  # fail open, as each step does alone (the use is not counted either)
        return True
    ip = _verdict(settings.ratelimit_ip_per_window, found[0], found[1])
    if len(found) < 6:  # stopped by the per-IP limit (raises), or by the failure guard
        _apply(request, [ip])
        _refuse_past(request, found[2], found[3])
    # Both verdicts at once: the most restrictive of the two, as applying them one after the other gives.
    _apply(request, [ip, _verdict(settings.ratelimit_principal_per_window, found[4], found[5])])
    return True


def count_use(request: Request, counter: tuple[str, str]) -> None:
    """HINCRBY ``counter`` (Redis hash, field) by one, queued with the request's next Redis command and not
    awaited: a failure is logged, never refuses nor slows the request."""
    future = asyncio.ensure_future(_limiter(request).send("HINCRBY", counter[0], counter[1], 1))
    future.add_done_callback(_use_counted)


def _use_counted(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("usage counter unavailable")


def count_auth_failure(request: Request) -> None:
    settings = request.app.state.settings
    if not settings.ratelimit_enabled:
        return
    try:
        _limiter(request).count_failure("auth-fail", rate_identity(client_ip(request)),
                                        settings.ratelimit_window_seconds)
    except RedisError:
        log.error("rate limiter unavailable; failed authentication not counted")
