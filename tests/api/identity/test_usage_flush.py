"""Issue 12 #12: the usage route reads one key's counters (no SCAN, no loading every key), and two
flushers running at once never count a request twice."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import Engine, text

from api.identity import key_usage
from api.settings import ApiSettings
from tests.support.api_client import bearer


def _new_key(client: TestClient, token: str) -> dict[str, Any]:
    r = client.post("/v1/me/api-keys", json={"name": f"k{uuid.uuid4().hex[:6]}", "scopes": ["read:chain"]},
                    headers=bearer(token))
    assert r.status_code == 201, r.text
    return r.json()


def _stored(engine: Engine, key_id: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT coalesce(sum(requests), 0) FROM api_key_usage WHERE api_key_id = :k"),
                                {"k": key_id}).scalar())


def test_concurrent_flushers_never_double_count(client: TestClient, signed_in: dict[str, Any], engine: Engine,
                                                api_settings: ApiSettings, redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    key = _new_key(client, signed_in["access_token"])
    calls = 40
    for _ in range(calls):
        assert client.get("/v1/chains", headers={"X-API-Key": key["key"]}).status_code == 200
    # The route shows the requests before any flush, without flushing.
    usage = client.get(f"/v1/me/api-keys/{key['id']}/usage", headers=bearer(signed_in["access_token"])).json()
    assert sum(d["requests"] for d in usage) == calls and _stored(engine, key["id"]) == 0
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def flusher() -> None:
        try:
            barrier.wait()
            key_usage.flush_usage(engine, Redis.from_url(redis_url), api_settings)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=flusher) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert _stored(engine, key["id"]) == calls
    key_usage.flush_usage(engine, redis, api_settings)  # nothing left to move
    assert _stored(engine, key["id"]) == calls
    usage = client.get(f"/v1/me/api-keys/{key['id']}/usage", headers=bearer(signed_in["access_token"])).json()
    assert sum(d["requests"] for d in usage) == calls


def test_a_snapshot_left_by_a_crashed_flusher_is_claimed_once(client: TestClient, signed_in: dict[str, Any],
                                                             engine: Engine, api_settings: ApiSettings,
                                                             redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    key = _new_key(client, signed_in["access_token"])
    live = f"{api_settings.redis_key_prefix}apikey-usage"
    # The state an older flusher leaves when it dies after snapshotting: a listed, unclaimed snapshot.
    orphan = f"{live}:snapshot:orphan{uuid.uuid4().hex[:6]}"
    redis.hset(orphan, f"{key['id']}|2026-11-01", 7)
    redis.sadd(f"{live}:snapshots", orphan)
    results = []
    threads = [threading.Thread(target=lambda: results.append(key_usage.flush_usage(engine, redis, api_settings)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _stored(engine, key["id"]) == 7 and redis.exists(orphan) == 0
