"""Stripe Checkout through the official library against a local server standing in for api.stripe.com,
and the signed webhook: valid, tampered and stale fixtures (signed here with an independent HMAC, the
scheme Stripe documents), idempotency on the event id, and the outbox event of a paid checkout."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from api.settings import ApiSettings
from tests.support.api_client import bearer, login
from tests.support.provider_server import Call, ProviderServer, running_provider

WHSEC = "whsec_test_" + "s" * 24
HOOK = "/v1/integrations/webhooks/stripe"
CHECKOUTS = "/v1/integrations/stripe/checkout-sessions"


def _session(call: Call) -> tuple[int, Any]:
    form = call.form
    if not call.headers.get("authorization", "").startswith("Bearer sk_test_"):
        return 401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}}
    sid = "cs_test_" + hashlib.sha256((call.headers.get("idempotency-key") or uuid.uuid4().hex).encode()).hexdigest()[:24]
    return 200, {"id": sid, "object": "checkout.session", "url": f"https://checkout.stripe.test/c/pay/{sid}",
                 "status": "open", "payment_status": "unpaid", "mode": form.get("mode"),
                 "client_reference_id": form.get("client_reference_id"),
                 "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
                 "currency": form["line_items[0][price_data][currency]"]}


@pytest.fixture
def stripe_api() -> Iterator[ProviderServer]:
    with running_provider() as server:
        server.on("POST", "/v1/checkout/sessions", _session)
        yield server


@pytest.fixture
def paying(settings_factory: Callable[..., ApiSettings], stripe_api: ProviderServer) -> Iterator[TestClient]:
    settings = settings_factory(stripe_secret_key="sk_test_local", stripe_webhook_secret=WHSEC,
                                stripe_api_base=stripe_api.base_url)
    with TestClient(create_app(settings)) as c:
        yield c


def _sign(body: bytes, at: int | None = None, secret: str = WHSEC) -> str:
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def _event(kind: str, session_id: str, payment_status: str = "paid") -> bytes:
    return json.dumps({"id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "type": kind, "api_version": "2025-01-01",
                       "data": {"object": {"id": session_id, "object": "checkout.session",
                                           "payment_status": payment_status}}}).encode()


def _post(c: TestClient, body: bytes, signature: str | None) -> Any:
    headers = {"Content-Type": "application/json"} | ({"Stripe-Signature": signature} if signature else {})
    return c.post(HOOK, content=body, headers=headers)


def test_checkout_then_paid_event(paying: TestClient, stripe_api: ProviderServer, engine: Engine) -> None:
    tokens = login(paying, Account.create())["tokens"]
    h = bearer(tokens["access_token"]) | {"Idempotency-Key": "topup-1"}
    r = paying.post(CHECKOUTS, json={"purpose": "topup", "amount": "2500"}, headers=h)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["status"] == "open" and out["amount"] == "2500" and out["url"].startswith("https://checkout.")
    sent = stripe_api.calls[-1].form
    assert sent["mode"] == "payment" and sent["line_items[0][price_data][unit_amount]"] == "2500"
    assert sent["client_reference_id"] == out["id"]
    assert stripe_api.calls[-1].headers["idempotency-key"].endswith("-topup-1")
    # The same Idempotency-Key: the same answer, no second session at Stripe.
    again = paying.post(CHECKOUTS, json={"purpose": "topup", "amount": "2500"}, headers=h)
    assert again.json()["id"] == out["id"] and len(stripe_api.calls) == 1

    body = _event("checkout.session.completed", out["session_id"])
    first = _post(paying, body, _sign(body))
    assert first.status_code == 200 and first.json() == {"received": True, "duplicate": False}
    assert _post(paying, body, _sign(body)).json() == {"received": True, "duplicate": True}  # redelivery
    mine = paying.get(CHECKOUTS, headers=bearer(tokens["access_token"])).json()
    assert [(m["id"], m["status"]) for m in mine] == [(out["id"], "paid")] and mine[0]["paid_at"]
    with engine.connect() as conn:
        events = conn.execute(text("SELECT count(*) FROM outbox_events WHERE kind = 'payment.fiat_succeeded' "
                                   "AND subject = :s"), {"s": f"checkout:{out['id']}"}).scalar()
    assert events == 1  # once, however often Stripe sends it


def test_signature_valid_tampered_stale(paying: TestClient) -> None:
    body = _event("checkout.session.completed", "cs_test_not_ours")
    assert _post(paying, body, _sign(body)).status_code == 200  # valid (a session of another app: ignored)
    tampered = body.replace(b"not_ours", b"not_ourz")
    for sig, what in ((_sign(body), "another body"), (_sign(tampered, secret="whsec_other"), "another secret"),
                      (_sign(tampered, at=int(time.time()) - 3600), "stale"), ("t=1,v1=zz", "garbage"), (None, "none")):
        r = _post(paying, tampered, sig)
        assert r.status_code == 400, (what, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"] == "/problems/invalid-signature" and WHSEC not in r.text
    r = _post(paying, b"not json", _sign(b"not json"))
    assert r.status_code == 400 and r.json()["type"] == "/problems/invalid-event"


def test_checkout_auth_validation_and_unconfigured(paying: TestClient, client: TestClient,
                                                   stripe_api: ProviderServer) -> None:
    assert paying.post(CHECKOUTS, json={"purpose": "topup", "amount": "2500"}).status_code == 401
    assert paying.get(CHECKOUTS).status_code == 401
    h = bearer(login(paying, Account.create())["tokens"]["access_token"])
    for bad in ({"purpose": "topup", "amount": "0"}, {"purpose": "topup", "amount": "12.5"},
                {"purpose": "invoice", "amount": "2500"}, {"purpose": "topup", "amount": "2500", "reference": "x"},
                {"purpose": "gift", "amount": "2500"}):
        r = paying.post(CHECKOUTS, json=bad, headers=h)
        assert r.status_code == 422, (bad, r.text)
    inv = paying.post(CHECKOUTS, json={"purpose": "invoice", "amount": "990", "reference": "31337:0xabc:0"}, headers=h)
    assert inv.status_code == 201 and inv.json()["reference"] == "31337:0xabc:0"
    # Another user sees none of it.
    other = bearer(login(paying, Account.create())["tokens"]["access_token"])
    assert paying.get(CHECKOUTS, headers=other).json() == []
    # Stripe down or refusing: a 502 without the provider's words or URL.
    stripe_api.on("POST", "/v1/checkout/sessions", (500, {"error": {"message": "boom internal"}}))
    r = paying.post(CHECKOUTS, json={"purpose": "topup", "amount": "2500"}, headers=h)
    assert r.status_code == 502 and "boom" not in r.text and stripe_api.base_url not in r.text
    # Not configured (the default app): a 404 problem, never a 5xx.
    h2 = bearer(login(client, Account.create())["tokens"]["access_token"])
    assert client.post(CHECKOUTS, json={"purpose": "topup", "amount": "2500"}, headers=h2).status_code == 404
    body = _event("checkout.session.completed", "cs_x")
    r = _post(client, body, _sign(body))
    assert r.status_code == 404 and r.json()["type"] == "/problems/not-configured"
