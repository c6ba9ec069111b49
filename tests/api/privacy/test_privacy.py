"""GDPR: export built by a real rq worker on the real Redis; deletion scheduled, cancellable, then carried out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import Engine, text

from api.kit import queue as jobs
from api.privacy import service as privacy
from api.settings import ApiSettings
from tests.support.api_client import bearer, login
from tests.support.cache_bounds import until


def test_export_job_produces_archive(client: TestClient, signed_in: dict[str, Any], api_settings: ApiSettings,
                                     redis_url: str) -> None:
    h = bearer(signed_in["access_token"])
    client.post("/v1/me/api-keys", json={"name": "k", "scopes": ["read:chain"]}, headers=h)
    r = client.post("/v1/me/export", headers=h)
    assert r.status_code == 202 and r.json()["status"] == "pending"
    export_id = r.json()["id"]
    assert client.get(f"/v1/me/export/{export_id}/download", headers=h).status_code == 409
    jobs.configure(api_settings)
    redis = Redis.from_url(redis_url)
    SimpleWorker([jobs.get_queue(api_settings, redis)], connection=redis).work(burst=True)
    status = client.get(f"/v1/me/export/{export_id}", headers=h).json()
    assert status["status"] == "ready" and status["download_url"]
    download = client.get(status["download_url"], headers=h)
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    archive = json.loads(download.content)
    assert archive["wallets"][0]["address"] == signed_in["account"].address
    assert archive["api_keys"][0]["name"] == "k" and "secret_hash" not in archive["api_keys"][0]
    assert any(e["action"] == "privacy.export" for e in archive["audit_events"])
    # Someone else cannot read it.
    from eth_account import Account

    other = bearer(login(client, Account.create())["tokens"]["access_token"])
    assert client.get(f"/v1/me/export/{export_id}/download", headers=other).status_code == 404


def test_delete_flow(client: TestClient, signed_in: dict[str, Any], engine: Engine) -> None:
    h = bearer(signed_in["access_token"])
    user_id = signed_in["user_id"]
    r = client.delete("/v1/me", headers=h)
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "scheduled" and any("blockchain" in x for x in body["retained"])
    assert any("audit" in x for x in body["retained"])
    assert client.get("/v1/me", headers=h).json()["deletion_scheduled_for"] is not None
    # Cancel, then ask again.
    assert client.post("/v1/me/deletion/cancel", headers=h).json()["status"] == "cancelled"
    assert client.post("/v1/me/deletion/cancel", headers=h).status_code == 404
    client.delete("/v1/me", headers=h)
    put = client.put("/v1/notifications/preferences", headers=h, json={"email": "gone@example.test"})
    assert put.status_code == 200, put.text
    with engine.connect() as conn:
        request_id = conn.execute(text("SELECT id FROM privacy_deletions WHERE user_id = :u AND status = 'scheduled'"),
                                  {"u": user_id}).scalar_one()
    # Not due yet: nothing happens.
    assert privacy.erase_user(engine, request_id) is False
    # After the grace period the job erases the account.
    assert privacy.erase_user(engine, request_id, now=datetime.now(UTC) + timedelta(days=365)) is True
    # Erased by another connection (the job's): this process stops honouring the session within the
    # sessions version's bound (api.identity.sessioncache), not necessarily at once.
    until(lambda: client.get("/v1/me", headers=h).status_code == 401)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM user_wallets WHERE user_id = :u"), {"u": user_id}).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM notification_settings WHERE user_id = :u"),
                            {"u": user_id}).scalar() == 0
        assert conn.execute(text("SELECT deleted_at FROM users WHERE id = :u"), {"u": user_id}).scalar() is not None
        actions = set(conn.execute(text("SELECT action FROM audit_events WHERE actor_user_id = :u"),
                                   {"u": user_id}).scalars())
    assert {"auth.login", "privacy.delete_request", "privacy.delete_cancel", "privacy.delete_done"} <= actions
    # The wallet can sign up again, as a new user.
    again = login(client, signed_in["account"])
    assert again["new_user"] is True and again["user_id"] != user_id


def test_audit_log_is_append_only(engine: Engine) -> None:
    import pytest
    from sqlalchemy.exc import DBAPIError

    for statement in ("UPDATE audit_events SET result = 'x'", "DELETE FROM audit_events", "TRUNCATE audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
