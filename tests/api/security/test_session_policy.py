"""Sessions end when sign-in methods change, and refresh tokens die of inactivity (issue 12, item 7);
admins and verifiers need a session that proved TOTP (item 6)."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.identity import totp
from tests.support.api_client import bearer, login, login_with_2fa, siwe_body


def test_enabling_2fa_ends_the_other_sessions(client: TestClient, account: Any) -> None:
    mine = login(client, account)["tokens"]
    other = login(client, account, ua="other-device")["tokens"]
    h = bearer(mine["access_token"])
    secret = client.post("/v1/me/2fa/setup", headers=h).json()["secret"]
    assert client.post("/v1/me/2fa/enable", json={"code": totp.code_at(secret, totp.current_step())},
                       headers=h).status_code == 200
    assert client.get("/v1/me", headers=bearer(other["access_token"])).status_code == 401
    assert client.post("/v1/auth/refresh", json={"refresh_token": other["refresh_token"]}).status_code == 401
    assert client.get("/v1/me", headers=h).status_code == 200


def test_unlinking_a_wallet_ends_its_sessions(client: TestClient, signed_in: dict[str, Any]) -> None:
    h = bearer(signed_in["access_token"])
    second = Account.create()
    assert client.post("/v1/me/wallets", json=siwe_body(client, second), headers=h).status_code == 201
    # A device signed in with the second wallet (say, the attacker's, or a lost phone's).
    theirs = login(client, second)["tokens"]
    assert client.get("/v1/me", headers=bearer(theirs["access_token"])).status_code == 200
    assert client.delete(f"/v1/me/wallets/{second.address}", headers=h).status_code == 204
    assert client.get("/v1/me", headers=bearer(theirs["access_token"])).status_code == 401
    assert client.get("/v1/me", headers=h).status_code == 200


def test_refresh_token_expires_after_inactivity(client: TestClient, signed_in: dict[str, Any], engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE user_sessions SET last_seen_at = now() - interval '25 hours' WHERE id = :s"),
                     {"s": signed_in["session_id"]})
    r = client.post("/v1/auth/refresh", json={"refresh_token": signed_in["refresh_token"]})
    assert r.status_code == 401 and "inactivity" in r.json()["detail"]


def test_admin_needs_a_totp_session(settings_factory: Any) -> None:
    from api.app import create_app

    admin = Account.create()
    with TestClient(create_app(settings_factory(admin_addresses=[admin.address]))) as c:
        plain = login(c, admin)["tokens"]
        denied = c.get("/v1/admin/audit", headers=bearer(plain["access_token"]))
        assert denied.status_code == 403 and denied.json()["type"] == "/problems/mfa-required"
        assert "enrol" in denied.json()["detail"]
        ok = c.get("/v1/admin/audit", headers=bearer(login_with_2fa(c, admin)["access_token"]))
        assert ok.status_code == 200, ok.text
