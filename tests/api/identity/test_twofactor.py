"""TOTP 2FA end to end: setup, enable, MFA login, replay refused, backup codes single use, lock, disable."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.identity import totp
from tests.support.api_client import bearer, login


def _enable(client: TestClient, h: dict[str, str]) -> tuple[str, list[str], int]:
    setup = client.post("/v1/me/2fa/setup", headers=h)
    assert setup.status_code == 200, setup.text
    body = setup.json()
    secret = body["secret"]
    assert body["otpauth_uri"].startswith("otpauth://totp/") and "secret=" + secret in body["otpauth_uri"]
    assert body["qr_png"].startswith("data:image/png;base64,")
    assert client.get("/v1/me/2fa", headers=h).json() == {"enabled": False, "pending_setup": True,
                                                          "backup_codes_remaining": 0}
    step = totp.current_step()
    bad = client.post("/v1/me/2fa/enable", json={"code": "000000" if totp.code_at(secret, step) != "000000"
                                                 else "111111"}, headers=h)
    assert bad.status_code == 401
    r = client.post("/v1/me/2fa/enable", json={"code": totp.code_at(secret, step)}, headers=h)
    assert r.status_code == 200, r.text
    codes = r.json()["backup_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes, step


def test_totp_full_flow(client: TestClient, signed_in: dict[str, Any], engine: Engine) -> None:
    h = bearer(signed_in["access_token"])
    secret, codes, step = _enable(client, h)
    # At rest the secret is encrypted, the backup codes hashed.
    with engine.connect() as conn:
        blob = conn.execute(text("SELECT secret_ciphertext FROM user_totp t JOIN user_wallets w "
                                 "ON w.user_id = t.user_id WHERE w.address = :a"),
                            {"a": signed_in["account"].address}).scalar_one()
    assert secret.encode() not in bytes(blob)
    # With 2FA on, a change needs a session that proved a code (this one signed in before 2FA existed).
    again = client.post("/v1/me/2fa/setup", headers=h)
    assert again.status_code == 403 and again.json()["type"] == "/problems/step-up-required"

    # Login now needs a second factor.
    first = login(client, signed_in["account"])
    assert first["mfa_required"] is True and first["tokens"] is None
    mfa = first["mfa_token"]
    assert client.get("/v1/me", headers=bearer(mfa)).status_code == 401  # not an access token
    # The code used to enable (same step) cannot be replayed.
    replay = client.post("/v1/auth/mfa", json={"mfa_token": mfa, "code": totp.code_at(secret, step)})
    assert replay.status_code == 401 and replay.json()["type"] == "/problems/mfa-invalid-code"
    ok = client.post("/v1/auth/mfa", json={"mfa_token": mfa, "code": totp.code_at(secret, step + 1)})
    assert ok.status_code == 200, ok.text
    tokens = ok.json()
    assert client.get("/v1/me", headers=bearer(tokens["access_token"])).json()["mfa_enabled"] is True
    # The MFA token is spent; an older step is refused too.
    assert client.post("/v1/auth/mfa", json={"mfa_token": mfa, "backup_code": codes[0]}).status_code == 401
    second = login(client, signed_in["account"])["mfa_token"]
    assert client.post("/v1/auth/mfa", json={"mfa_token": second,
                                             "code": totp.code_at(secret, step - 1)}).status_code == 401

    # Backup code: works once.
    assert client.post("/v1/auth/mfa", json={"mfa_token": second, "backup_code": codes[0].upper()}).status_code == 200
    third = login(client, signed_in["account"])["mfa_token"]
    again = client.post("/v1/auth/mfa", json={"mfa_token": third, "backup_code": codes[0]})
    assert again.status_code == 401
    assert client.get("/v1/me/2fa", headers=h).json()["backup_codes_remaining"] == 9

    # Regenerating voids the old set (needs a fresh TOTP step: step + 1 is used, none newer yet).
    h2 = bearer(tokens["access_token"])
    regen = client.post("/v1/me/2fa/backup-codes", json={"code": totp.code_at(secret, step + 1)}, headers=h2)
    assert regen.status_code == 401  # same step as the login: a replay
    # Disabling needs a valid factor: an unused backup code does it.
    assert client.post("/v1/me/2fa/disable", json={"backup_code": codes[1]}, headers=h2).status_code == 204


def test_backup_codes_regenerate_and_disable(client: TestClient, signed_in: dict[str, Any], engine: Engine) -> None:
    h = bearer(signed_in["access_token"])
    secret, codes, step = _enable(client, h)
    # Move the accepted step back so the test can use "the next" code without waiting 30 s.
    with engine.begin() as conn:
        conn.execute(text("UPDATE user_totp SET last_used_step = :s WHERE user_id = "
                          "(SELECT user_id FROM user_wallets WHERE address = :a)"),
                     {"s": step - 1, "a": signed_in["account"].address})
    regen = client.post("/v1/me/2fa/backup-codes", json={"code": totp.code_at(secret, step)}, headers=h)
    assert regen.status_code == 200, regen.text
    new_codes = regen.json()["backup_codes"]
    assert set(new_codes).isdisjoint(codes)
    old = client.post("/v1/me/2fa/disable", json={"backup_code": codes[2]}, headers=h)
    assert old.status_code == 401
    assert client.post("/v1/me/2fa/disable", json={}, headers=h).status_code == 422
    done = client.post("/v1/me/2fa/disable", json={"backup_code": new_codes[0]}, headers=h)
    assert done.status_code == 204, done.text
    assert client.get("/v1/me/2fa", headers=h).json()["enabled"] is False
    assert login(client, signed_in["account"])["mfa_required"] is False
    actions = [e["action"] for e in client.get("/v1/me/audit", headers=h).json()["items"]]
    for action in ("totp.setup", "totp.enable", "totp.backup_codes", "totp.disable"):
        assert action in actions


def test_wrong_codes_lock(client: TestClient, signed_in: dict[str, Any]) -> None:
    h = bearer(signed_in["access_token"])
    secret, _, step = _enable(client, h)  # one failure already counted by _enable
    mfa = login(client, signed_in["account"])["mfa_token"]
    wrong = next(c for c in ("123456", "654321", "111111") if totp.match_step(secret, c) is None)
    statuses = [client.post("/v1/auth/mfa", json={"mfa_token": mfa, "code": wrong}).status_code for _ in range(5)]
    assert statuses[-1] == 429 and 401 in statuses
    locked = client.post("/v1/auth/mfa", json={"mfa_token": mfa, "code": totp.code_at(secret, step + 1)})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert locked.json()["type"] == "/problems/mfa-locked"
