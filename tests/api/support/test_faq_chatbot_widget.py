"""FAQ search ranking, the chatbot ("did this help?", escalation to a ticket or to the provider's API, the
latter against a local HTTP server that checks each request), and the widget's identity proof."""

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

from api.app import create_app
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
    """A local stand-in for the Intercom / Zendesk REST API: checks auth and body, records each request."""

    def __init__(self, kind: str, status: int = 200) -> None:
        self.kind, self.status, self.seen = kind, status, []  # type: ignore[var-annotated]
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
        if self.status != 200:
            send_json(handler, self.status, b'{"error":"boom"}')
            return
        answer = {"type": "conversation", "id": "ic-123"} if self.kind == "intercom" else {"ticket": {"id": 9001}}
        send_json(handler, 201 if self.kind == "zendesk" else 200, json.dumps(answer).encode())


@pytest.fixture
def provider_app(settings_factory: Callable[..., ApiSettings]) -> Iterator[Callable[..., Any]]:
    servers: list[Provider] = []
    clients: list[TestClient] = []

    def make(kind: str, status: int = 200, token: str = TOKEN) -> tuple[TestClient, Provider]:
        provider = Provider(kind, status)
        provider.start()
        servers.append(provider)
        c = TestClient(create_app(settings_factory(
            support_widget=kind, support_widget_app_id="app-1", support_widget_secret="s3cret-" * 5,
            support_widget_key_id="kid-1", support_provider_api_url=provider.server.url + "/",
            support_provider_api_token=token)), raise_server_exceptions=False)
        c.__enter__()
        clients.append(c)
        return c, provider

    yield make
    for c in clients:
        c.__exit__(None, None, None)
    for p in servers:
        p.stop()


@pytest.mark.parametrize("kind", ["intercom", "zendesk"])
def test_escalation_to_the_provider_api(provider_app: Callable[..., Any], kind: str) -> None:
    c, provider = provider_app(kind)
    alice = new_user(c)
    aid = c.post("/v1/support/chatbot/ask", json={"question": "talk to a human please"}, headers=alice["h"]).json()["id"]
    r = c.post(f"/v1/support/chatbot/answers/{aid}/escalate", json={"to": "provider", "details": "urgent"},
               headers=alice["h"])
    assert r.status_code == 201, r.text
    (req,) = provider.seen
    if kind == "intercom":
        assert r.json()["provider_ref"] == "ic-123" and req["path"] == "/conversations"
        assert req["body"] == {"from": {"type": "user", "user_id": alice["id"]},
                               "body": "talk to a human please\n\nurgent"}
        assert req["headers"]["Intercom-Version"]
    else:
        assert r.json()["provider_ref"] == "9001" and req["path"] == "/api/v2/tickets.json"
        assert req["body"]["ticket"]["requester"] == {"external_id": alice["id"]}
        assert req["body"]["ticket"]["comment"]["body"] == "talk to a human please\n\nurgent"


def test_provider_failures_are_502_without_secrets(provider_app: Callable[..., Any]) -> None:
    for status, token in ((500, TOKEN), (200, "wrong-token")):
        c, provider = provider_app("zendesk", status, token)
        alice = new_user(c)
        aid = c.post("/v1/support/chatbot/ask", json={"question": "help me"}, headers=alice["h"]).json()["id"]
        r = c.post(f"/v1/support/chatbot/answers/{aid}/escalate", json={"to": "provider"}, headers=alice["h"])
        assert r.status_code == 502 and len(provider.seen) == 1
        assert provider.server.url not in r.text and token not in r.text and "127.0.0.1" not in r.text
    c, provider = provider_app("intercom")
    provider.stop()  # unreachable
    alice = new_user(c)
    aid = c.post("/v1/support/chatbot/ask", json={"question": "help me"}, headers=alice["h"]).json()["id"]
    r = c.post(f"/v1/support/chatbot/answers/{aid}/escalate", json={"to": "provider"}, headers=alice["h"])
    assert r.status_code == 502 and "127.0.0.1" not in r.text


def test_widget_identity_proofs(client: TestClient, provider_app: Callable[..., Any]) -> None:
    alice = new_user(client)
    assert client.get("/v1/support/widget", headers=alice["h"]).json() == {
        "provider": "none", "app_id": None, "user_id": None, "user_hash": None, "token": None}
    c, _ = provider_app("intercom")
    bob = new_user(c)
    w = c.get("/v1/support/widget", headers=bob["h"]).json()
    expected = hmac.new(("s3cret-" * 5).encode(), bob["id"].encode(), hashlib.sha256).hexdigest()
    assert w["provider"] == "intercom" and w["app_id"] == "app-1" and w["user_id"] == bob["id"]
    assert w["user_hash"] == expected and w["token"] is None
    c, _ = provider_app("zendesk")
    carol = new_user(c)
    w = c.get("/v1/support/widget", headers=carol["h"]).json()
    claims = jwt.decode(w["token"], "s3cret-" * 5, algorithms=["HS256"])
    assert claims["external_id"] == carol["id"] and claims["scope"] == "user" and w["user_hash"] is None
    assert jwt.get_unverified_header(w["token"])["kid"] == "kid-1"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(w["token"], "another-secret-of-some-length", algorithms=["HS256"])
    assert uuid.UUID(w["user_id"])
