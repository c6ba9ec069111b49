"""rq on the app's Redis. The queue name carries ``redis_key_prefix`` so test runs never collide.

Jobs get ids, never secrets or URLs; a worker builds its own engine from its settings
(``configure`` sets them; otherwise the environment's ``ApiSettings``).
"""

from __future__ import annotations

import time
from functools import lru_cache

from typing import Any

import structlog
from redis import Redis
from rq import Queue
from rq.job import Job
from sqlalchemy import Engine

from api.kit.crypto import data_key_ring
from api.kit.encrypted import attach_key_ring
from api.settings import ApiSettings, get_settings
from indexer.core import telemetry
from indexer.core.db import make_engine

log = structlog.get_logger(__name__)
TRACE_META = "otel"  # job.meta key holding the W3C trace context of the request that enqueued it

_configured: ApiSettings | None = None


def configure(settings: ApiSettings) -> None:
    global _configured
    _configured = settings
    _engine.cache_clear()


def job_settings() -> ApiSettings:
    return _configured or get_settings()


@lru_cache(maxsize=1)
def _engine() -> Engine:
    settings = job_settings()
    return attach_key_ring(make_engine(settings.database_url.get_secret_value(), pool_size=2, max_overflow=2,
                                       slow_query_ms=settings.slow_query_ms), data_key_ring(settings))


def job_engine() -> Engine:
    return _engine()


DEFAULT = "default"
# Webhook deliveries have their own queue and worker (`lancer worker --webhooks`): short I/O-bound jobs run
# in-process there (no fork per job, pooled HTTP and database connections), and a slow endpoint never
# holds up emails, exports or chain transactions.
WEBHOOKS = "webhooks"


def queue_name(settings: ApiSettings, name: str = DEFAULT) -> str:
    return f"{settings.redis_key_prefix}{name}"


class TracedJob(Job):
    """A job that runs inside a span continuing the trace of the request that enqueued it (tracing on),
    flushed after each job (the default worker forks a work horse per job, which then exits)."""

    def perform(self) -> Any:
        if not telemetry.enabled():
            return self._logged()
        try:
            with telemetry.continued(self.meta.get(TRACE_META), f"rq.job {self.func_name}",
                                     **{"messaging.system": "rq", "messaging.message.id": self.id,
                                        "messaging.destination.name": self.origin}):
                return self._logged()
        finally:
            telemetry.flush()

    def _logged(self) -> Any:
        started = time.perf_counter()
        result = super().perform()
        # Inside the job's span: the line carries its trace id (indexer.core.logging).
        log.info("job done", job=self.id, func=self.func_name, seconds=round(time.perf_counter() - started, 3))
        return result


class TracedQueue(Queue):
    """Stores the current trace context in each job's meta (tracing on), so the job joins the trace."""

    job_class = TracedJob

    def create_job(self, *args: Any, **kwargs: Any) -> Job:
        job = super().create_job(*args, **kwargs)
        if telemetry.enabled():
            carrier: dict[str, str] = {}
            telemetry.inject(carrier)
            if carrier:
                job.meta[TRACE_META] = carrier
        return job


def get_queue(settings: ApiSettings, redis: Redis | None = None, name: str = DEFAULT) -> Queue:
    return TracedQueue(queue_name(settings, name), connection=redis or Redis.from_url(settings.redis_url_or_default))
