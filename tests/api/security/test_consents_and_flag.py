"""Consent records (which Terms/Privacy version, when, from where; in the export) and the ENABLE_2FA flag."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session as Db

from api.app import create_app
from api.privacy.service import build_archive
from tests.support.api_client import bearer, login, login_with_2fa


def test_consents_are_recorded_listed_and_exported(client: TestClient, signed_in: dict[str, Any],
                                                   engine: Engine) -> None:
    h = {**bearer(signed_in["access_token"]), "User-Agent": "consent-browser"}
    r = client.post("/v1/me/consents", json={"document": "terms", "version": "2026-11-01"}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["user_agent"] == "consent-browser" and r.json()["ip"]
    client.post("/v1/me/consents", json={"document": "privacy", "version": "v3"}, headers=h)
    assert client.post("/v1/me/consents", json={"document": "cookies", "version": "1"}, headers=h).status_code == 422
    listed = client.get("/v1/me/consents", headers=h).json()
    assert [(c["document"], c["version"]) for c in listed] == [("privacy", "v3"), ("terms", "2026-11-01")]
    with Db(engine) as db:
        archive = json.loads(json.dumps(build_archive(db, signed_in["user_id"]), default=str))
    assert {c["version"] for c in archive["consents"]} == {"v3", "2026-11-01"}


def test_with_2fa_off_login_never_asks(settings_factory: Any, client: TestClient, account: Any) -> None:
    login_with_2fa(client, account)  # enrolled while the feature was on
    assert login(client, account)["mfa_required"] is True
    with TestClient(create_app(settings_factory(enable_2fa=False))) as c:
        out = login(c, account)
        assert out["mfa_required"] is False and out["tokens"]["access_token"]
        assert c.get("/v1/me/2fa", headers=bearer(out["tokens"]["access_token"])).status_code == 404
        assert "/v1/auth/mfa" not in c.get("/openapi.json").json()["paths"]
