"""Every route declares its auth; OpenAPI documents it; security headers, CORS, body limit; settings."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.auth import iter_routes
from api.settings import ApiSettings
from indexer.core.errors import ConfigError


def test_every_route_declares_its_auth(client: TestClient) -> None:
    seen = []
    for path, route, requirements in iter_routes(list(client.app.routes)):  # type: ignore[attr-defined]
        assert len(requirements) == 1, f"{path} declares {len(requirements)} auth requirements (need exactly 1)"
        seen.append(path)
    for path in ("/health/liveness", "/health/readiness", "/metrics", "/openapi.json", "/docs", "/v1/auth/siwe"):
        assert path in seen


def test_openapi_documents_auth_and_errors(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"userToken", "apiKey"} <= set(schema["components"]["securitySchemes"])
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            assert "x-lancer-auth" in op, f"{method} {path}"
            assert "security" in op
            if op["x-lancer-auth"]["kind"] != "public":
                assert {"401", "403"} <= set(op["responses"]), f"{method} {path}"
    assert schema["paths"]["/v1/admin/audit"]["get"]["x-lancer-auth"] == {"kind": "admin", "mfa": True}
    assert schema["paths"]["/v1/me/api-keys"]["post"]["x-lancer-auth"] == {"kind": "user", "step_up": True}


def test_security_headers_and_cors(client: TestClient) -> None:
    r = client.get("/health/liveness", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-request-id"] == "abc-123"
    assert client.get("/v1/auth/scopes").headers["cache-control"] == "no-store"
    pre = client.options("/v1/auth/nonce", headers={"Origin": "https://app.lancer.test",
                                                    "Access-Control-Request-Method": "GET"})
    assert pre.headers["access-control-allow-origin"] == "https://app.lancer.test"
    evil = client.options("/v1/auth/nonce", headers={"Origin": "https://evil.example",
                                                     "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in evil.headers


def test_body_limit(client: TestClient) -> None:
    big = b'{"message": "' + b"a" * 2_000_000 + b'", "signature": "0x00"}'
    r = client.post("/v1/auth/siwe", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")

    def chunks():  # no Content-Length: counted while streaming
        for _ in range(40):
            yield b"a" * 65536

    r = client.post("/v1/auth/siwe", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "limit" in r.json()["detail"]


def test_production_refuses_missing_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("JWT_KEYS", "TOTP_ENCRYPTION_KEYS"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="must be set when ENVIRONMENT=production"):
        ApiSettings(environment="production", _env_file=None)
    with pytest.warns(UserWarning, match="ephemeral"):
        dev = ApiSettings(environment="development", _env_file=None)
    assert "ephemeral" in dev.jwt_key_ring() and "secret" not in repr(dev.jwt_keys).lower().replace("secretstr", "")
    with pytest.raises(ConfigError, match="32 bytes"):
        ApiSettings(environment="test", jwt_keys='{"a": "short"}', _env_file=None)
    with pytest.raises(ConfigError, match="TOTP_ENCRYPTION_KEYS"):
        ApiSettings(environment="test", totp_encryption_keys='{"a": "bm9wZQ=="}', _env_file=None)


def test_not_found_and_method_are_problems(client: TestClient) -> None:
    r = client.get("/nope")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    r = client.put("/v1/auth/nonce")
    assert r.status_code == 405 and r.headers["content-type"].startswith("application/problem+json")
