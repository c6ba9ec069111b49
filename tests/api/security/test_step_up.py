"""Step-up (issue 12, item 2): a stolen access token whose sign-in is not recent cannot change how the
account signs in, mint keys, export or erase; a fresh proof (SIWE of a linked wallet, or TOTP when 2FA is
on) issues a token with a new auth_time and amr; the last wallet linked before a session stays."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.support.api_client import backup_codes, bearer, login, login_with_2fa, siwe_body


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def aged(client: TestClient, token: str, seconds: int = 3600) -> str:
    """The same session's access token as one refreshed ``seconds`` after sign-in would be (e.g. stolen
    from a browser hours later): a valid token, but its proof of identity is old."""
    claims = _claims(token)
    return client.app.state.token_signer.issue_access(
        claims["sub"], claims["sid"], claims["scope"].split(), 300,
        auth_time=int(time.time()) - seconds, amr=claims.get("amr", ["swk"]))[0]


def test_access_token_carries_auth_time_and_amr(client: TestClient, signed_in: dict[str, Any]) -> None:
    claims = _claims(signed_in["access_token"])
    assert abs(claims["auth_time"] - time.time()) < 60 and claims["amr"] == ["swk"]
    # Refreshing does not make the session look freshly proven.
    refreshed = client.post("/v1/auth/refresh", json={"refresh_token": signed_in["refresh_token"]}).json()
    assert _claims(refreshed["access_token"])["auth_time"] == claims["auth_time"]


def test_stolen_token_cannot_take_over(client: TestClient, signed_in: dict[str, Any], engine: Engine) -> None:
    victim = signed_in["account"]
    stolen = bearer(aged(client, signed_in["access_token"]))
    attacker = Account.create()
    attempts = [
        ("POST", "/v1/me/wallets", siwe_body(client, attacker)),
        ("DELETE", f"/v1/me/wallets/{victim.address}", None),
        ("POST", "/v1/me/sessions/revoke-others", None),
        ("DELETE", f"/v1/me/sessions/{uuid.uuid4()}", None),
        ("POST", "/v1/me/2fa/setup", None),
        ("POST", "/v1/me/api-keys", {"name": "x", "scopes": ["read:chain"]}),
        ("POST", "/v1/me/export", None),
        ("DELETE", "/v1/me", None),
    ]
    for method, path, body in attempts:
        r = client.request(method, path, json=body, headers=stolen)
        assert r.status_code == 403, (path, r.status_code, r.text)
        assert r.json()["type"] == "/problems/step-up-required" and "step-up" in r.json()["detail"]
    # The stolen token still reads.
    assert client.get("/v1/me", headers=stolen).status_code == 200

    # A signature of a wallet that is not the account's is no step-up.
    wrong = client.post("/v1/auth/step-up", json=siwe_body(client, attacker), headers=stolen)
    assert wrong.status_code == 401
    # The owner steps up with their wallet: a token with a fresh auth_time, and the change goes through.
    up = client.post("/v1/auth/step-up", json=siwe_body(client, victim), headers=stolen)
    assert up.status_code == 200, up.text
    body = up.json()
    assert "swk" in body["amr"] and abs(_claims(body["access_token"])["auth_time"] - time.time()) < 60
    linked = client.post("/v1/me/wallets", json=siwe_body(client, attacker), headers=bearer(body["access_token"]))
    assert linked.status_code == 201, linked.text
    with engine.connect() as conn:
        kinds = conn.execute(text(
            "SELECT e.kind FROM outbox_events e JOIN user_wallets w ON w.user_id = ANY(e.audience) "
            "WHERE w.address = :a AND e.kind LIKE 'security.%' ORDER BY e.id"), {"a": victim.address}).scalars().all()
        steps = conn.execute(text("SELECT count(*) FROM audit_events WHERE action = 'auth.step_up' "
                                  "AND actor_user_id = :u AND result = 'success'"),
                             {"u": signed_in["user_id"]}).scalar_one()
    assert kinds == ["security.wallet.linked"] and steps == 1


def test_last_wallet_from_before_the_session_stays(client: TestClient, signed_in: dict[str, Any]) -> None:
    victim = signed_in["account"]
    h = bearer(signed_in["access_token"])  # fresh: the attacker's session is new too
    attacker = Account.create()
    assert client.post("/v1/me/wallets", json=siwe_body(client, attacker), headers=h).status_code == 201
    r = client.delete(f"/v1/me/wallets/{victim.address}", headers=h)
    assert r.status_code == 409 and r.json()["type"] == "/problems/last-wallet"
    # The wallet this session added can go again.
    assert client.delete(f"/v1/me/wallets/{attacker.address}", headers=h).status_code == 204


def test_with_2fa_step_up_needs_a_code(client: TestClient, account: Any) -> None:
    tokens = login_with_2fa(client, account)
    assert {"otp", "swk", "mfa"} <= set(_claims(tokens["access_token"])["amr"])
    stale = bearer(aged(client, tokens["access_token"]))
    assert client.post("/v1/me/api-keys", json={"name": "k", "scopes": ["read:chain"]},
                       headers=stale).status_code == 403
    by_wallet = client.post("/v1/auth/step-up", json=siwe_body(client, account), headers=stale)
    assert by_wallet.status_code == 409 and by_wallet.json()["type"] == "/problems/mfa-required"
    up = client.post("/v1/auth/step-up", json={"backup_code": backup_codes(client, account).pop()}, headers=stale)
    assert up.status_code == 200, up.text
    fresh = bearer(up.json()["access_token"])
    assert client.post("/v1/me/api-keys", json={"name": "k", "scopes": ["read:chain"]}, headers=fresh).status_code == 201
    # A session that signed in without the code (before 2FA existed) is not enough either: otp is needed.
    assert login(client, account)["mfa_required"] is True
