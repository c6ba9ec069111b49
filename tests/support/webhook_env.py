"""Driving webhook delivery in tests: the real dispatcher and real rq jobs (a burst ``SimpleWorker`` on the
webhook queue in the test process, as `lancer worker --webhooks` runs them), until a condition holds. Plus
API helpers to set up an integration and an endpoint."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.integrations import delivery
from api.kit import outbox, queue
from api.settings import ApiSettings


def pump(engine: Engine, settings: ApiSettings, until: Callable[[], bool], timeout: float = 20.0) -> None:
    """Dispatch and work the queue until ``until()`` holds (AssertionError after ``timeout`` s)."""
    queue.configure(settings)
    redis = Redis.from_url(settings.redis_url_or_default)
    worker = SimpleWorker([queue.get_queue(settings, redis, queue.WEBHOOKS)], connection=redis)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            delivery.dispatch(engine, redis, settings)
            worker.work(burst=True, logging_level="WARNING")
            if until():
                return
            time.sleep(0.05)
        raise AssertionError("webhook delivery did not reach the expected state in time")
    finally:
        redis.close()


def emit(engine: Engine, kind: str, subject: str, payload: dict[str, Any], audience: list[Any] | None) -> None:
    """An outbox event, written the way every domain writes one (its own committed transaction)."""
    with Session(engine) as db:
        outbox.record(db, kind, subject, payload, audience=audience)
        db.commit()


def integration(client: TestClient, headers: dict[str, str], provider: str = "webhook", **extra: Any) -> dict[str, Any]:
    r = client.post("/v1/integrations", json={"provider": provider, "name": f"it-{uuid.uuid4().hex[:6]}", **extra},
                    headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def endpoint(client: TestClient, headers: dict[str, str], integration_id: str, url: str,
             events: list[str]) -> dict[str, Any]:
    r = client.post(f"/v1/integrations/{integration_id}/webhooks", json={"url": url, "events": events},
                    headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())
