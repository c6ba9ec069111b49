"""rq jobs of the integrations domain. Arguments are endpoint ids only (never URLs or secrets)."""

from __future__ import annotations

import uuid
from functools import lru_cache

from redis import Redis

from api.integrations import delivery
from api.kit.queue import job_engine, job_settings


@lru_cache(maxsize=4)
def _redis(url: str) -> Redis:
    # One client (and connection pool) per worker process: `lancer worker --webhooks` runs jobs in-process.
    return Redis.from_url(url)


def deliver_endpoint(webhook_id: str) -> int:
    """Send one endpoint's due messages, in order (jobs enqueued before ``deliver_endpoints`` existed)."""
    settings = job_settings()
    return delivery.deliver_endpoint(job_engine(), _redis(settings.redis_url_or_default), settings,
                                     uuid.UUID(webhook_id))


def deliver_endpoints(webhook_ids: list[str]) -> int:
    """Several endpoints' due messages, side by side, each in order (see ``api.integrations.delivery``)."""
    settings = job_settings()
    return delivery.deliver_endpoints(job_engine(), _redis(settings.redis_url_or_default), settings,
                                      [uuid.UUID(w) for w in webhook_ids])
