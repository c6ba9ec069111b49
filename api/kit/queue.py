"""rq on the app's Redis. The queue name carries ``redis_key_prefix`` so test runs never collide.

Jobs get ids, never secrets or URLs; a worker builds its own engine from its settings
(``configure`` sets them; otherwise the environment's ``ApiSettings``).
"""

from __future__ import annotations

from functools import lru_cache

from redis import Redis
from rq import Queue
from sqlalchemy import Engine

from api.kit.crypto import data_key_ring
from api.kit.encrypted import attach_key_ring
from api.settings import ApiSettings, get_settings
from indexer.core.db import make_engine

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
    return attach_key_ring(make_engine(settings.database_url.get_secret_value(), pool_size=2, max_overflow=2),
                           data_key_ring(settings))


def job_engine() -> Engine:
    return _engine()


def queue_name(settings: ApiSettings) -> str:
    return f"{settings.redis_key_prefix}default"


def get_queue(settings: ApiSettings, redis: Redis | None = None) -> Queue:
    return Queue(queue_name(settings), connection=redis or Redis.from_url(settings.redis_url_or_default))
