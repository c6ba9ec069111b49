"""Driving notifications in tests: a signed-in user with their id, and the real outbox consumer run until
it has acknowledged every committed event."""

from __future__ import annotations

import time
import uuid

from eth_account import Account
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import Engine

from api.kit import outbox
from api.notifications.consumer import CONSUMER, consume
from api.settings import ApiSettings
from tests.support.api_client import bearer, login


def new_user(client: TestClient) -> tuple[uuid.UUID, dict[str, str]]:
    headers = bearer(login(client, Account.create())["tokens"]["access_token"])
    return uuid.UUID(client.get("/v1/me", headers=headers).json()["user_id"]), headers


def drain(engine: Engine, settings: ApiSettings, timeout: float = 10.0) -> None:
    """Run the consumer until it has acknowledged every committed event."""
    redis = Redis.from_url(settings.redis_url_or_default)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            consume(engine, redis, settings)
            with engine.connect() as conn:
                if outbox.lag(conn, CONSUMER) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("the notifications consumer did not catch up")
    finally:
        redis.close()
