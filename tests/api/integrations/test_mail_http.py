"""The HTTP API email provider against a local server standing in for the provider: the JSON it sends
(from, to, subject, text and HTML parts), the bearer token, and failures reported as kinds (retryable
or not) without the provider's text or URL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email.message import EmailMessage

import pytest

from api.integrations.mail_http import MailApiFailed, payload, send_http
from api.settings import ApiSettings
from tests.support.provider_server import ProviderServer, running_provider


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    with running_provider() as server:
        yield server


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["Message-ID"] = "[Lancer] Funded", "Lancer <no-reply@lancer.test>", "<m1@lancer>"
    msg.set_content("Your escrow was funded.")
    msg.add_alternative("<p>Your escrow was <b>funded</b>.</p>", subtype="html")
    return msg


def test_sends_the_message_as_json(settings_factory: Callable[..., ApiSettings], provider: ProviderServer) -> None:
    provider.on("POST", "/emails", (200, {"id": "em_123"}))
    settings = settings_factory(email_provider="http", email_http_url=f"{provider.base_url}/emails",
                                email_http_token="tok_secret")
    assert send_http(settings, _message(), ["ada@example.com"]) == "em_123"
    call = provider.calls[-1]
    assert call.headers["authorization"] == "Bearer tok_secret"
    body = call.json
    assert body["to"] == ["ada@example.com"] and body["subject"] == "[Lancer] Funded"
    assert body["from"] == "Lancer <no-reply@lancer.test>" and body["text"].strip() == "Your escrow was funded."
    assert "<b>funded</b>" in body["html"] and body["headers"] == {"Message-ID": "<m1@lancer>"}


def test_failures_are_kinds(settings_factory: Callable[..., ApiSettings], provider: ProviderServer) -> None:
    settings = settings_factory(email_http_url=f"{provider.base_url}/emails", email_http_token="t",
                                email_http_timeout_seconds=2)
    for status, kind, retryable in ((503, "http_5xx", True), (429, "http_4xx", True), (422, "http_4xx", False)):
        provider.on("POST", "/emails", (status, {"message": "bad address ada@example.com"}))
        with pytest.raises(MailApiFailed) as failed:
            send_http(settings, _message(), ["ada@example.com"])
        assert (failed.value.kind, failed.value.retryable) == (kind, retryable)
        assert "ada@" not in str(failed.value)
    down = settings_factory(email_http_url="http://127.0.0.1:9/emails", email_http_token="t")
    with pytest.raises(MailApiFailed) as failed:
        send_http(down, _message(), ["ada@example.com"])
    assert failed.value.kind == "connection" and failed.value.retryable
    with pytest.raises(MailApiFailed) as failed:
        send_http(settings_factory(), _message(), ["ada@example.com"])
    assert failed.value.kind == "not_configured" and not failed.value.retryable


def test_text_only_message() -> None:
    msg = EmailMessage()
    msg["Subject"], msg["From"] = "Hi", "a@b.c"
    msg.set_content("plain")
    assert "html" not in payload(msg, ["x@y.z"]) and payload(msg, ["x@y.z"])["text"].strip() == "plain"
