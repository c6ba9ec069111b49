"""Tokens and sessions: refresh rotation, reuse -> family revoked (+ audit), device sessions, logout, wallets."""

from __future__ import annotations

from typing import Any

import jwt
from eth_account import Account
from fastapi.testclient import TestClient

from tests.support.api_client import bearer, login, siwe_body


def test_access_token_claims_and_kid(client: TestClient, signed_in: dict[str, Any]) -> None:
    token = signed_in["access_token"]
    assert jwt.get_unverified_header(token)["kid"] == "k1"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert {"sub", "sid", "scope", "iat", "exp", "jti"} <= set(claims)
    assert 0 < claims["exp"] - claims["iat"] <= 600
    assert claims["scope"] == "user"
    # Forged: right claims, unknown key / alg none.
    forged = jwt.encode(claims, "x" * 40, algorithm="HS256", headers={"kid": "k1"})
    assert client.get("/v1/me", headers=bearer(forged)).status_code == 401
    none = jwt.encode(claims, None, algorithm="none", headers={"kid": "k1"})
    assert client.get("/v1/me", headers=bearer(none)).status_code == 401
    assert client.get("/v1/me").status_code == 401


def test_refresh_rotation_and_reuse_revokes_family(client: TestClient, signed_in: dict[str, Any]) -> None:
    first = signed_in["refresh_token"]
    r1 = client.post("/v1/auth/refresh", json={"refresh_token": first})
    assert r1.status_code == 200, r1.text
    second = r1.json()["refresh_token"]
    assert second != first and r1.json()["session_id"] == signed_in["session_id"]
    r2 = client.post("/v1/auth/refresh", json={"refresh_token": second})
    assert r2.status_code == 200
    third, access = r2.json()["refresh_token"], r2.json()["access_token"]
    assert client.get("/v1/me", headers=bearer(access)).status_code == 200
    # The old token comes back: theft. The whole session dies, including the newest tokens.
    reuse = client.post("/v1/auth/refresh", json={"refresh_token": first})
    assert reuse.status_code == 401 and reuse.json()["type"] == "/problems/refresh-token-reuse"
    assert client.post("/v1/auth/refresh", json={"refresh_token": third}).status_code == 401
    assert client.get("/v1/me", headers=bearer(access)).status_code == 401
    # ... and it is in the audit log (seen from another session of the same user).
    other = login(client, signed_in["account"])["tokens"]
    events = client.get("/v1/me/audit", headers=bearer(other["access_token"])).json()["items"]
    reuse_events = [e for e in events if e["action"] == "auth.refresh_reuse"]
    assert reuse_events and reuse_events[0]["result"] == "failure"
    assert reuse_events[0]["details"]["session_id"] == signed_in["session_id"]
    assert client.post("/v1/auth/refresh", json={"refresh_token": "lnr_" + "x" * 43}).status_code == 401


def test_sessions_per_device_revoke_and_logout(client: TestClient, account: Any) -> None:
    a = login(client, account, ua="phone")["tokens"]
    b = login(client, account, ua="laptop")["tokens"]
    c = login(client, account, ua="tablet")["tokens"]
    listed = client.get("/v1/me/sessions", headers=bearer(a["access_token"])).json()
    assert {s["user_agent"] for s in listed} >= {"phone", "laptop", "tablet"}
    assert [s["current"] for s in listed if s["id"] == a["session_id"]] == [True]
    assert all(s["ip"] and s["created_at"] and s["last_seen_at"] for s in listed)
    # Revoke one.
    r = client.delete(f"/v1/me/sessions/{b['session_id']}", headers=bearer(a["access_token"]))
    assert r.status_code == 204
    assert client.get("/v1/me", headers=bearer(b["access_token"])).status_code == 401
    assert client.post("/v1/auth/refresh", json={"refresh_token": b["refresh_token"]}).status_code == 401
    # Revoke all others.
    r = client.post("/v1/me/sessions/revoke-others", headers=bearer(a["access_token"]))
    assert r.status_code == 200 and r.json()["revoked"] >= 1
    assert client.get("/v1/me", headers=bearer(c["access_token"])).status_code == 401
    assert client.get("/v1/me", headers=bearer(a["access_token"])).status_code == 200
    # Log out.
    assert client.post("/v1/auth/logout", headers=bearer(a["access_token"])).status_code == 204
    assert client.get("/v1/me", headers=bearer(a["access_token"])).status_code == 401
    # Another user's session id is a 404, not a revocation.
    d = login(client, Account.create())["tokens"]
    assert client.delete(f"/v1/me/sessions/{d['session_id']}",
                         headers=bearer(login(client, account)["tokens"]["access_token"])).status_code == 404


def test_second_wallet_link_and_unlink(client: TestClient, signed_in: dict[str, Any]) -> None:
    h = bearer(signed_in["access_token"])
    second = Account.create()
    r = client.post("/v1/me/wallets", json=siwe_body(client, second, chain_id=31338), headers=h)
    assert r.status_code == 201, r.text
    assert {w["address"] for w in client.get("/v1/me/wallets", headers=h).json()} == {
        signed_in["account"].address, second.address}
    # The second wallet now signs in to the same user.
    assert login(client, second)["user_id"] == login(client, signed_in["account"])["user_id"]
    # A wallet cannot be linked twice, nor taken from another account.
    assert client.post("/v1/me/wallets", json=siwe_body(client, second), headers=h).status_code == 409
    stranger = Account.create()
    login(client, stranger)
    assert client.post("/v1/me/wallets", json=siwe_body(client, stranger), headers=h).json()["type"] == \
        "/problems/wallet-taken"
    # Linking needs the new wallet's own signature.
    body = siwe_body(client, Account.create())
    body["signature"] = siwe_body(client, signed_in["account"])["signature"]
    assert client.post("/v1/me/wallets", json=body, headers=h).status_code == 401
    # Unlink one; the last one stays.
    assert client.delete(f"/v1/me/wallets/{second.address}", headers=h).status_code == 204
    last = client.delete(f"/v1/me/wallets/{signed_in['account'].address}", headers=h)
    assert last.status_code == 409 and last.json()["type"] == "/problems/last-wallet"


def test_admin_view(client: TestClient, signed_in: dict[str, Any]) -> None:
    from tests.support.api_client import ADMIN, login_with_2fa

    assert client.get("/v1/admin/audit", headers=bearer(signed_in["access_token"])).status_code == 403
    # An admin without 2FA is refused; signed in with a second factor it works.
    plain = login(client, ADMIN)
    if not plain["mfa_required"]:
        denied = client.get("/v1/admin/audit", headers=bearer(plain["tokens"]["access_token"]))
        assert denied.status_code == 403 and denied.json()["type"] == "/problems/mfa-required"
    admin = login_with_2fa(client, ADMIN)
    r = client.get("/v1/admin/audit", params={"action": "auth.login", "limit": 5},
                   headers=bearer(admin["access_token"]))
    assert r.status_code == 200 and len(r.json()["items"]) == 5
    nxt = client.get("/v1/admin/audit", params={"action": "auth.login", "limit": 5, "cursor": r.json()["next_cursor"]},
                     headers=bearer(admin["access_token"])).json()["items"]
    assert nxt and nxt[0]["id"] < r.json()["items"][-1]["id"]
