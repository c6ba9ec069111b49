"""FAQ search ranking, the chatbot ("did this help?", escalation to a ticket or to the provider's API, the
latter by an rq job, retried, against a local HTTP server that checks each request), and the widget's identity proof."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from redis import Redis
from rq import SimpleWorker

from api.app import create_app
from api.kit import queue
from api.settings import ApiSettings
from tests.api.support.conftest import new_user
from tests.support.rpc_server import ProxyServer, send_json

TOKEN = "provider-token-" + secrets.token_hex(8)


def _article(client: TestClient, agent: dict[str, Any], slug: str, question: str, answer: str, **extra: Any) -> None:
    r = client.put("/v1/support/faq", json={"slug": slug, "question": question, "answer": answer, **extra},
                   headers=agent["h"])
    assert r.status_code == 200, r.text


def test_faq_is_written_by_agents_and_searched_by_rank(client: TestClient, agent: dict[str, Any]) -> None:
    word = f"qx{secrets.token_hex(3)}"
    _article(client, agent, f"fund-{word}", f"How do I fund a {word} escrow?", "Open the contract and press *Fund*.")
    _article(client, agent, f"fees-{word}", "What fees apply?", f"A {word} escrow pays a 1% fee.")
    _article(client, agent, f"draft-{word}", f"Draft about {word}", "unpublished", published=False)
    user = new_user(client)
    assert client.put("/v1/support/faq", json={"slug": "x-y", "question": "Q?Q", "answer": "A"},
                      headers=user["h"]).status_code == 403
    found = client.get(f"/v1/support/faq?q={word}").json()
    # The question weighs more than the answer; the unpublished draft never shows.
    assert [a["slug"] for a in found] == [f"fund-{word}", f"fees-{word}"] and found[0]["rank"] > found[1]["rank"]
    assert "<em>Fund</em>" in found[0]["html"]
    assert client.get(f"/v1/support/faq/draft-{word}").status_code == 404
    assert client.get(f"/v1/support/faq/draft-{word}", headers=agent["h"]).status_code == 200
    assert client.delete(f"/v1/support/faq/fees-{word}", headers=user["h"]).status_code == 403
    assert client.delete(f"/v1/support/faq/fees-{word}", headers=agent["h"]).status_code == 204
    assert client.get(f"/v1/support/faq/fees-{word}").status_code == 404


def test_chatbot_answers_feedback_and_escalates_to_a_ticket(client: TestClient, agent: dict[str, Any]) -> None:
    word = f"wq{secrets.token_hex(3)}"
    slug = f"refund-{word}"
    _article(client, agent, slug, f"How do I get a refund for a {word} milestone?", "Ask the arbiter.")
    alice, bob = new_user(client), new_user(client)
    r = client.post("/v1/support/chatbot/ask", json={"question": f"can I get my {word} money back as a refund?"},
                    headers=alice["h"])
    answer = r.json()
    assert r.status_code == 200 and answer["answered"] and answer["articles"][0]["slug"] == slug
    assert "Ask the arbiter." in answer["text"]
    aid = answer["id"]
    assert client.post(f"/v1/support/chatbot/answers/{aid}/feedback", json={"helpful": False},
                       headers=bob["h"]).status_code == 404
    assert client.post(f"/v1/support/chatbot/answers/{aid}/feedback", json={"helpful": False},
                       headers=alice["h"]).status_code == 204
    assert client.post(f"/v1/support/chatbot/answers/{aid}/feedback", json={"helpful": True},
                       headers=alice["h"]).status_code == 409
    assert client.get(f"/v1/support/faq/{slug}").json()["helpful_no"] == 1
    # No provider configured: escalating to it is a clear 409; to a ticket works, once.
    assert client.post(f"/v1/support/chatbot/answers/{aid}/escalate", json={"to": "provider"},
                       headers=alice["h"]).status_code == 409
    r = client.post(f"/v1/support/chatbot/answers/{aid}/escalate", json={"to": "ticket", "details": "order 42"},
                    headers=alice["h"])
    assert r.status_code == 201 and r.json()["to"] == "ticket"
    ticket = client.get(f"/v1/support/tickets/{r.json()['ticket_id']}", headers=alice["h"]).json()
    assert word in ticket["subject"] and "order 42" in ticket["messages"][0]["body"] and ticket["status"] == "open"
    assert client.post(f"/v1/support/chatbot/answers/{aid}/escalate", json={}, headers=alice["h"]).status_code == 409
    none = client.post("/v1/support/chatbot/ask", json={"question": f"zz{secrets.token_hex(6)}"}, headers=alice["h"]).json()
    assert none["answered"] is False and none["articles"] == []


class Provider:
    """A local stand-in for the Intercom / Zendesk REST API: checks auth and body, records each request;
    answers ``fail_first`` requests with 503 (a provider having a bad minute), or every one with ``status``."""

    def __init__(self, kind: str, status: int = 200, fail_first: int = 0) -> None:
        self.kind, self.status, self.fail_first, self.seen = kind, status, fail_first, []  # type: ignore[var-annotated]
        self.server = ProxyServer(self._handle)
        self.running = False

    def start(self) -> None:
        self.server.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.server.stop()
            self.running = False

    def _handle(self, handler: BaseHTTPRequestHandler, body: Any) -> None:
        self.seen.append({"path": handler.path, "headers": dict(handler.headers), "body": body})
        if handler.headers.get("Authorization") != f"Bearer {TOKEN}":
            send_json(handler, 401, b'{"errors":[{"code":"unauthorized"}]}')
            return
        if len(self.seen) <= self.fail_first:
            send_json(handler, 503, b'{"error":"try later"}')
            return
        if self.status != 200:
            send_json(handler, self.status, b'{"error":"boom"}')
            return
        answer = {"type": "conversation", "id": "ic-123"} if self.kind == "intercom" else {"ticket": {"id": 9001}}
        send_json(handler, 201 if self.kind == "zendesk" else 200, json.dumps(answer).encode())


ProviderApp = Callable[..., tuple[TestClient, Provider, ApiSettings]]


@pytest.fixture
def provider_app(settings_factory: Callable[..., ApiSettings]) -> Iterator[ProviderApp]:
    servers: list[Provider] = []
    clients: list[TestClient] = []

    def make(kind: str, status: int = 200, token: str = TOKEN, fail_first: int = 0,
             attempts: int = 4) -> tuple[TestClient, Provider, ApiSettings]:
        provider = Provider(kind, status, fail_first)
        provider.start()
        servers.append(provider)
        settings = settings_factory(
            support_widget=kind, support_widget_app_id="app-1", support_widget_secret="s3cret-" * 5,
            support_widget_key_id="kid-1", support_provider_api_url=provider.server.url + "/",
            support_provider_api_token=token, support_provider_max_attempts=attempts,
            support_provider_retry_seconds=[0], support_provider_timeout_seconds=5)
        c = TestClient(create_app(settings), raise_server_exceptions=False)
        c.__enter__()
        clients.append(c)
        return c, provider, settings

    yield make
    for c in clients:
        c.__exit__(None, None, None)
    for p in servers:
        p.stop()


def _work(settings: ApiSettings) -> None:
    """Run the queued jobs (retries with a 0 s delay are re-queued at once, so the burst runs them too)."""
    queue.configure(settings)
    redis = Redis.from_url(settings.redis_url_or_default)
    try:
        SimpleWorker([queue.get_queue(settings, redis)], connection=redis).work(burst=True, logging_level="WARNING")
    finally:
        redis.close()


def _escalate(c: TestClient, who: dict[str, Any], question: str, details: str | None = None) -> dict[str, Any]:
    aid = c.post("/v1/support/chatbot/ask", json={"question": question}, headers=who["h"]).json()["id"]
    r = c.post(f"/v1/support/chatbot/answers/{aid}/escalate", json={"to": "provider", "details": details},
               headers=who["h"])
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.mark.parametrize("kind", ["intercom", "zendesk"])
def test_escalation_to_the_provider_api_runs_as_a_job(provider_app: ProviderApp, kind: str) -> None:
    c, provider, settings = provider_app(kind)
    alice = new_user(c)
    out = _escalate(c, alice, "talk to a human please", "urgent")
    # The ticket exists at once; the provider has not been called inside the request.
    assert out["to"] == "provider" and out["provider_status"] == "pending" and out["provider_ref"] is None
    assert provider.seen == []
    ticket = c.get(f"/v1/support/tickets/{out['ticket_id']}", headers=alice["h"]).json()
    assert (ticket["provider_status"], ticket["provider_ref"], ticket["provider_attempts"]) == ("pending", None, 0)
    assert ticket["messages"][0]["body"] == "talk to a human please\n\nurgent"
    _work(settings)
    (req,) = provider.seen
    ticket = c.get(f"/v1/support/tickets/{out['ticket_id']}", headers=alice["h"]).json()
    assert ticket["provider_status"] == "sent" and ticket["provider_attempts"] == 1
    if kind == "intercom":
        assert ticket["provider_ref"] == "ic-123" and req["path"] == "/conversations"
        assert req["body"] == {"from": {"type": "user", "user_id": alice["id"]},
                               "body": "talk to a human please\n\nurgent"}
        assert req["headers"]["Intercom-Version"]
    else:
        assert ticket["provider_ref"] == "9001" and req["path"] == "/api/v2/tickets.json"
        assert req["body"]["ticket"]["requester"] == {"external_id": alice["id"]}
        assert req["body"]["ticket"]["comment"]["body"] == "talk to a human please\n\nurgent"
    again = c.post(f"/v1/support/chatbot/answers/{out['answer_id']}/escalate", json={"to": "provider"},
                   headers=alice["h"])
    assert again.status_code == 409
    _work(settings)  # nothing left to do: the provider is not called twice
    assert len(provider.seen) == 1


def test_a_failing_provider_is_retried_until_it_answers(provider_app: ProviderApp) -> None:
    c, provider, settings = provider_app("zendesk", fail_first=2, attempts=4)
    alice = new_user(c)
    out = _escalate(c, alice, "my escrow is stuck")
    _work(settings)
    assert len(provider.seen) == 3  # 503, 503, then created
    ticket = c.get(f"/v1/support/tickets/{out['ticket_id']}", headers=alice["h"]).json()
    assert (ticket["provider_status"], ticket["provider_ref"], ticket["provider_attempts"], ticket["provider_error"]) \
        == ("sent", "9001", 3, None)
    assert len({json.dumps(s["body"], sort_keys=True) for s in provider.seen}) == 1  # the same request each time


def test_provider_failures_mark_the_ticket_failed_without_secrets(provider_app: ProviderApp, capsys: Any) -> None:
    cases = [(("zendesk", 500, TOKEN), 3, "http_500"),  # may pass: every attempt used
             (("zendesk", 200, "wrong-token"), 1, "http_401")]  # will not pass: one attempt
    for (kind, status, token), attempts, error in cases:
        c, provider, settings = provider_app(kind, status, token, attempts=3)
        alice = new_user(c)
        out = _escalate(c, alice, "help me")
        _work(settings)
        assert len(provider.seen) == attempts
        r = c.get(f"/v1/support/tickets/{out['ticket_id']}", headers=alice["h"])
        ticket = r.json()
        assert (ticket["provider_status"], ticket["provider_attempts"], ticket["provider_error"]) \
            == ("failed", attempts, error)
        assert ticket["status"] == "open"  # still in Lancer's queue for an agent
        assert provider.server.url not in r.text and token not in r.text and "127.0.0.1" not in r.text
    c, provider, settings = provider_app("intercom", attempts=2)
    provider.stop()  # unreachable
    alice = new_user(c)
    out = _escalate(c, alice, "help me")
    _work(settings)
    r = c.get(f"/v1/support/tickets/{out['ticket_id']}", headers=alice["h"])
    assert (r.json()["provider_status"], r.json()["provider_attempts"], r.json()["provider_error"]) \
        == ("failed", 2, "unreachable")
    assert "127.0.0.1" not in r.text
    logged = capsys.readouterr()
    assert "support escalation failed" in logged.out + logged.err
    assert "127.0.0.1" not in logged.out + logged.err and TOKEN not in logged.out + logged.err


def test_widget_identity_proofs(client: TestClient, provider_app: ProviderApp) -> None:
    alice = new_user(client)
    assert client.get("/v1/support/widget", headers=alice["h"]).json() == {
        "provider": "none", "app_id": None, "user_id": None, "user_hash": None, "token": None}
    c, _, _ = provider_app("intercom")
    bob = new_user(c)
    w = c.get("/v1/support/widget", headers=bob["h"]).json()
    expected = hmac.new(("s3cret-" * 5).encode(), bob["id"].encode(), hashlib.sha256).hexdigest()
    assert w["provider"] == "intercom" and w["app_id"] == "app-1" and w["user_id"] == bob["id"]
    assert w["user_hash"] == expected and w["token"] is None
    c, _, _ = provider_app("zendesk")
    carol = new_user(c)
    w = c.get("/v1/support/widget", headers=carol["h"]).json()
    claims = jwt.decode(w["token"], "s3cret-" * 5, algorithms=["HS256"])
    assert claims["external_id"] == carol["id"] and claims["scope"] == "user" and w["user_hash"] is None
    assert jwt.get_unverified_header(w["token"])["kid"] == "kid-1"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(w["token"], "another-secret-of-some-length", algorithms=["HS256"])
    assert uuid.UUID(w["user_id"])
