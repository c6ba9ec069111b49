"""Notification emails through a real local SMTP server (aiosmtpd): rendered templates, sent by the rq
job, retried after a temporary failure, marked failed after the last attempt; none without an address
or with the email channel off."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api.kit import queue
from api.notifications.models import EmailDelivery, Notification
from api.settings import ApiSettings
from tests.support.notify_env import drain
from tests.support.notify_env import new_user as _user
from tests.support.provider_server import running_provider
from tests.support.smtp_server import Inbox, smtp_server
from tests.support.webhook_env import emit


def _settings(settings_factory: Callable[..., ApiSettings], inbox: Inbox, **extra: object) -> ApiSettings:
    return settings_factory(smtp_host="127.0.0.1", smtp_port=inbox.port, smtp_starttls=False,
                            smtp_timeout_seconds=5, email_retry_seconds=[0], email_from="Lancer <n@lancer.test>",
                            app_base_url="https://app.lancer.test", **extra)


def _work(settings: ApiSettings) -> None:
    queue.configure(settings)
    redis = Redis.from_url(settings.redis_url_or_default)
    try:
        SimpleWorker([queue.get_queue(settings, redis)], connection=redis).work(burst=True, logging_level="WARNING")
    finally:
        redis.close()


def _deliveries(engine: Engine, user: uuid.UUID) -> list[EmailDelivery]:
    with Session(engine) as db:
        return list(db.scalars(select(EmailDelivery).join(Notification, Notification.id == EmailDelivery.notification_id)
                               .where(Notification.user_id == user).order_by(EmailDelivery.id)))


def test_email_is_rendered_and_delivered_with_retries(client: TestClient, engine: Engine,
                                                      settings_factory: Callable[..., ApiSettings]) -> None:
    user, h = _user(client)
    r = client.put("/v1/notifications/preferences", headers=h, json={"email": "dev@example.test"})
    assert r.status_code == 200 and r.json()["email"] == "dev@example.test"
    with smtp_server(fail_first=2) as inbox:
        settings = _settings(settings_factory, inbox, email_max_attempts=4)
        emit(engine, "escrow.event.pending", "escrow:31337:0xab", {
            "chain_id": 31337, "escrow": "0x" + "ab" * 20, "block_hash": "0x" + "11" * 32, "log_index": 7,
            "block_number": 3, "tx_hash": "0x" + "22" * 32, "event": "Funded"}, [user])
        drain(engine, settings)
        _work(settings)
        deadline = time.monotonic() + 10
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert inbox.attempts == 3  # two temporary failures, then delivered
        (rcpts, msg), = inbox.messages
        assert rcpts == ["dev@example.test"] and msg["To"] == "dev@example.test"
        assert msg["Subject"] == "[Lancer] Escrow activity (pending confirmation)"
        assert msg["From"] == "Lancer <n@lancer.test>"
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        assert "waiting for confirmations" in text and "https://app.lancer.test/notifications" in text
        assert '<a href="https://app.lancer.test/notifications">' in html
    (d,) = _deliveries(engine, user)
    assert (d.status, d.attempts, d.last_error) == ("sent", 3, None) and d.sent_at is not None


def test_email_fails_after_the_last_attempt(client: TestClient, engine: Engine,
                                            settings_factory: Callable[..., ApiSettings]) -> None:
    user, h = _user(client)
    client.put("/v1/notifications/preferences", headers=h, json={"email": "dev@example.test"})
    with smtp_server(fail_first=100) as inbox:
        settings = _settings(settings_factory, inbox, email_max_attempts=2)
        emit(engine, "proposal.submitted", "proposal:9", {}, [user])
        drain(engine, settings)
        _work(settings)
        assert inbox.messages == [] and inbox.attempts == 2
    (d,) = _deliveries(engine, user)
    assert (d.status, d.attempts, d.last_error) == ("failed", 2, "smtp_4xx")


def test_no_email_without_address_or_with_the_channel_off(client: TestClient, engine: Engine,
                                                          settings_factory: Callable[..., ApiSettings]) -> None:
    no_address, _ = _user(client)
    channel_off, h = _user(client)
    client.put("/v1/notifications/preferences", headers=h, json={
        "email": "off@example.test", "kinds": [{"kind": "proposal", "in_app": True, "email": False, "webhook": True}]})
    with smtp_server() as inbox:
        settings = _settings(settings_factory, inbox)
        emit(engine, "proposal.submitted", "proposal:10", {}, [no_address, channel_off])
        drain(engine, settings)
        _work(settings)
        assert inbox.attempts == 0
    assert _deliveries(engine, no_address) == [] and _deliveries(engine, channel_off) == []


def test_email_through_the_http_api_provider(client: TestClient, engine: Engine,
                                             settings_factory: Callable[..., ApiSettings]) -> None:
    """EMAIL_PROVIDER=http: the same job posts the rendered message to the provider; a 4xx answer is final."""
    user, h = _user(client)
    client.put("/v1/notifications/preferences", headers=h, json={"email": "api@example.test"})
    with running_provider() as provider:
        provider.on("POST", "/emails", (200, {"id": "em_1"}))
        settings = settings_factory(email_provider="http", email_http_url=f"{provider.base_url}/emails",
                                    email_http_token="tok", email_retry_seconds=[0], email_from="Lancer <n@lancer.test>",
                                    app_base_url="https://app.lancer.test")
        emit(engine, "proposal.submitted", "proposal:11", {}, [user])
        drain(engine, settings)
        _work(settings)
        (call,) = provider.calls
        assert call.headers["authorization"] == "Bearer tok"
        assert call.json["to"] == ["api@example.test"] and "https://app.lancer.test" in call.json["text"]
        (d,) = _deliveries(engine, user)
        assert (d.status, d.attempts) == ("sent", 1)

        provider.on("POST", "/emails", (422, {"message": "bad address"}))
        emit(engine, "proposal.submitted", "proposal:12", {}, [user])
        drain(engine, settings)
        _work(settings)
        assert len(provider.calls) == 2  # not retried: a 4xx cannot be fixed by trying again
    assert [(d.status, d.last_error) for d in _deliveries(engine, user)] == [("sent", None), ("failed", "http_4xx")]
