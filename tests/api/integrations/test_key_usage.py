"""Per-route API key usage: each API-key request becomes a row (route template, status, latency), written
in batches by a background thread, aggregated per key, route and day (requests, errors, p50/p99). Only
the key's owner reads it; user-token requests are not recorded; old rows are purged."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.integrations import usage
from api.integrations.usage import UsageRecorder
from api.settings import ApiSettings
from tests.support.api_client import bearer, login


def _key(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    r = client.post("/v1/integrations/api-keys", json={"name": "ci", "scopes": ["write:webhooks"]}, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _rows(engine: Engine, key_id: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM api_key_requests WHERE api_key_id = :k"),
                                {"k": key_id}).scalar_one())


def test_usage_per_route_and_day(client: TestClient, owner: dict[str, Any], engine: Engine) -> None:
    key = _key(client, owner["headers"])
    h = {"X-API-Key": key["key"]}
    for _ in range(5):
        assert client.get("/v1/integrations", headers=h).status_code == 200
    for _ in range(3):
        assert client.get(f"/v1/integrations/{uuid.uuid4()}", headers=h).status_code == 404
    client.get("/v1/integrations", headers=owner["headers"])  # a user token: not an API key request
    client.app.state.key_usage.flush()
    assert _rows(engine, key["id"]) == 8
    r = client.get(f"/v1/integrations/api-keys/{key['id']}/usage", headers=owner["headers"])
    assert r.status_code == 200, r.text
    by_route = {(u["method"], u["route"]): u for u in r.json()}
    assert set(by_route) == {("GET", "/v1/integrations"), ("GET", "/v1/integrations/{integration_id}")}
    listed, missing = by_route[("GET", "/v1/integrations")], by_route[("GET", "/v1/integrations/{integration_id}")]
    today = datetime.now(UTC).date().isoformat()
    assert listed["day"] == today and listed["requests"] == 5 and listed["errors"] == 0
    assert missing["requests"] == 3 and missing["errors"] == 3 and missing["server_errors"] == 0
    assert 0 <= listed["p50_ms"] <= listed["p99_ms"]
    # Yesterday's rows form their own day; rows older than the window are left out.
    with engine.begin() as conn:
        for age_days, latency in ((1, 10), (1, 20), (1, 30), (1, 1000), (40, 5)):
            conn.execute(text("INSERT INTO api_key_requests (api_key_id, method, route, status_code, latency_ms, "
                              "created_at) VALUES (:k, 'GET', '/v1/x', 500, :ms, :at)"),
                         {"k": key["id"], "ms": latency, "at": datetime.now(UTC) - timedelta(days=age_days)})
    rows = client.get(f"/v1/integrations/api-keys/{key['id']}/usage?days=7", headers=owner["headers"]).json()
    old = [u for u in rows if u["route"] == "/v1/x"]
    assert len(old) == 1 and old[0]["requests"] == 4 and old[0]["server_errors"] == 4
    assert old[0]["p50_ms"] == 25.0 and 900 < old[0]["p99_ms"] <= 1000  # percentile_cont over 10/20/30/1000
    assert rows[0]["day"] == today  # newest day first


def test_usage_is_the_owners_only(client: TestClient, owner: dict[str, Any]) -> None:
    key = _key(client, owner["headers"])
    path = f"/v1/integrations/api-keys/{key['id']}/usage"
    stranger = bearer(login(client, Account.create())["tokens"]["access_token"])
    assert client.get(path).status_code == 401
    assert client.get(path, headers=stranger).status_code == 404
    assert client.get(path, headers={"X-API-Key": key["key"]}).status_code == 403  # keys never read keys
    assert client.get(path + "?days=0", headers=owner["headers"]).status_code == 422
    r = client.get(f"/v1/integrations/api-keys/{uuid.uuid4()}/usage", headers=owner["headers"])
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")


def test_background_thread_writes_batches(engine: Engine, client: TestClient, owner: dict[str, Any]) -> None:
    key = uuid.UUID(_key(client, owner["headers"])["id"])
    recorder = UsageRecorder(engine, batch=3, interval=30.0)
    recorder.start()
    try:
        started = time.perf_counter()
        for n in range(3):  # the third fills a batch and wakes the writer, long before the 30 s interval
            recorder.record(key, "GET", "/v1/y", 200, n)
        assert time.perf_counter() - started < 0.05  # recording is an append, no I/O
        deadline = time.monotonic() + 10
        while _rows(engine, str(key)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _rows(engine, str(key)) == 3
        recorder.record(key, "GET", "/v1/y", 200, 1)
    finally:
        recorder.close()  # the last partial batch is written on close
    assert _rows(engine, str(key)) == 4
    # A full buffer drops rows instead of growing without bound.
    tiny = UsageRecorder(engine, batch=100, interval=30.0, capacity=2)
    for _ in range(5):
        tiny.record(key, "GET", "/v1/y", 200, 1)
    assert tiny.flush() == 2


def test_old_rows_are_purged(engine: Engine, client: TestClient, owner: dict[str, Any],
                             api_settings: ApiSettings) -> None:
    key = _key(client, owner["headers"])["id"]
    with engine.begin() as conn:
        for age in (1, api_settings.api_key_usage_retention_days + 1):
            conn.execute(text("INSERT INTO api_key_requests (api_key_id, method, route, status_code, latency_ms, "
                              "created_at) VALUES (:k, 'GET', '/v1/z', 200, 1, :at)"),
                         {"k": key, "at": datetime.now(UTC) - timedelta(days=age)})
    assert usage.purge(engine, None, api_settings) >= 1
    assert _rows(engine, key) == 1
