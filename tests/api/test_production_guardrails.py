"""Issue 12 #14 and #15: production refuses laptop settings (one line, exit 2, no traceback); metrics on
their own port, docs off and HSTS on in production; URLs with passwords never in the settings' repr."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from pydantic import SecretStr

from api.settings import ApiSettings
from indexer.core.settings import ChainSettings
from devtools.accounts import local_dev_account
from indexer.core.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
JWT = json.dumps({"k1": secrets.token_urlsafe(48)})
TOTP = json.dumps({"t1": base64.b64encode(secrets.token_bytes(32)).decode()})
DATA = json.dumps({"d1": base64.b64encode(secrets.token_bytes(32)).decode()})
GOOD: dict[str, Any] = {"environment": "production", "jwt_keys": JWT, "jwt_active_kid": "k1",
                        "totp_encryption_keys": TOTP, "totp_active_kid": "t1",
                        "data_encryption_keys": DATA, "data_active_kid": "d1",
                        "attester_private_key": "0x" + "5a" * 32, "siwe_domain": "app.lancer.example",
                        "siwe_uri": "https://app.lancer.example"}


def _settings(**overrides: Any) -> ApiSettings:
    values = {**GOOD, **overrides}
    return ApiSettings(_env_file=None, **{k: v for k, v in values.items() if v is not None})  # type: ignore[arg-type]


def test_a_proper_production_configuration_starts() -> None:
    assert _settings().production
    assert not _settings().webhook_private_urls_allowed  # webhooks: https to public addresses only


@pytest.mark.parametrize(("overrides", "message"), [
    ({"jwt_keys": None, "jwt_active_kid": None}, "JWT_KEYS"),
    ({"totp_encryption_keys": None, "totp_active_kid": None}, "TOTP_ENCRYPTION_KEYS"),
    ({"data_encryption_keys": None, "data_active_kid": None}, "DATA_ENCRYPTION_KEYS"),
    ({"attester_private_key": None}, "ATTESTER_PRIVATE_KEY"),
    *[({"attester_private_key": local_dev_account(i).key.to_0x_hex()}, "anvil") for i in (0, 9)],
    ({"siwe_domain": "localhost:3000"}, "SIWE_DOMAIN"),
    ({"siwe_uri": "http://localhost:3000"}, "SIWE_URI"),
    ({"offset_recorder_private_key": local_dev_account(0).key.to_0x_hex()}, "OFFSET_RECORDER_PRIVATE_KEY"),
    ({"offset_recorder_private_key": "0x1234"}, "OFFSET_RECORDER_PRIVATE_KEY"),
    ({"webhook_allow_private_urls": True}, "WEBHOOK_ALLOW_PRIVATE_URLS"),
])
def test_production_refuses_laptop_settings(overrides: dict[str, Any], message: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("JWT_KEYS", "TOTP_ENCRYPTION_KEYS", "DATA_ENCRYPTION_KEYS", "ATTESTER_PRIVATE_KEY", "SIWE_DOMAIN",
                 "SIWE_URI"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match=message):
        _settings(**overrides)


def test_lancer_api_exits_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "TOTP_", "DATA_", "ATTESTER_", "SIWE_"))}
    env.update({"ENVIRONMENT": "production", "JWT_KEYS": JWT, "TOTP_ENCRYPTION_KEYS": TOTP, "DATA_ENCRYPTION_KEYS": DATA,
                "ATTESTER_PRIVATE_KEY": local_dev_account(9).key.to_0x_hex(), "SIWE_DOMAIN": "app.lancer.example",
                "SIWE_URI": "https://app.lancer.example"})
    done = subprocess.run([sys.executable, "-m", "scripts.cli", "api"], cwd=tmp_path, env={**env, "PYTHONPATH": str(REPO), "PYTHONWARNINGS": "ignore"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "anvil" in lines[0] and "Traceback" not in done.stderr, done.stderr


def test_connection_urls_are_not_in_the_settings_repr() -> None:
    urls = {"database_url": "postgresql://lancer:hunter2pass@db/lancer", "redis_url": "rediss://:redispass99@cache:6379/0"}
    for s in (_settings(**urls), ChainSettings(_env_file=None, **urls)):  # type: ignore[arg-type]
        shown = " ".join([repr(s), str(s), s.model_dump_json(), str(s.model_dump())])
        assert "hunter2pass" not in shown and "redispass99" not in shown
        assert isinstance(s.database_url, SecretStr) and isinstance(s.redis_url, SecretStr)
        # The value itself is there for whoever builds an engine or a client (psycopg driver added).
        assert s.database_url.get_secret_value() == "postgresql+psycopg://lancer:hunter2pass@db/lancer"
        assert s.redis_url_or_default == "rediss://:redispass99@cache:6379/0"


def test_the_startup_log_shows_no_database_password(database_url: str, tmp_path: Path) -> None:
    """`lancer api` starts and serves with a password in DATABASE_URL (the test server trusts local
    connections, so any password works); nothing it logs at start-up, at DEBUG, carries it."""
    import httpx
    from sqlalchemy.engine import make_url

    password = "Sup3rSecretPw" + secrets.token_hex(4)
    url = make_url(database_url).set(password=password).render_as_string(hide_password=False)
    port = 18000 + secrets.randbelow(1000)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "ENVIRONMENT"))}
    env.update({"DATABASE_URL": url, "ENVIRONMENT": "test", "LOG_LEVEL": "DEBUG", "PYTHONPATH": str(REPO),
                "PYTHONWARNINGS": "default"})
    proc = subprocess.Popen([sys.executable, "-m", "scripts.cli", "api", "--port", str(port)], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/readiness", timeout=2).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("lancer api did not start")
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    assert "startup complete" in output.lower(), output
    assert password not in output


def test_metrics_port_moves_metrics_off_the_api(settings_factory: Callable[..., ApiSettings]) -> None:
    with TestClient(create_app(settings_factory(metrics_port=9109))) as c:
        assert c.get("/metrics").status_code == 404
    with TestClient(create_app(settings_factory())) as c:
        assert c.get("/metrics").status_code == 200


def test_docs_follow_the_environment_and_hsts_is_production_only(
        settings_factory: Callable[..., ApiSettings]) -> None:
    with TestClient(create_app(settings_factory())) as c:
        r = c.get("/docs")
        assert r.status_code == 200 and "strict-transport-security" not in r.headers
    with TestClient(create_app(settings_factory(docs_enabled=False))) as c:
        assert c.get("/docs").status_code == 404 and c.get("/openapi.json").status_code == 404
    prod = settings_factory(**{**GOOD, "jwt_keys": JWT, "siwe_domain": "app.lancer.test",
                               "siwe_uri": "https://app.lancer.test"})
    with TestClient(create_app(prod)) as c:
        assert c.get("/docs").status_code == 404
        assert c.get("/health/liveness").headers["strict-transport-security"].startswith("max-age=")


def test_readiness_is_rate_limited(settings_factory: Callable[..., ApiSettings], redis_prefix: str) -> None:
    settings = settings_factory(redis_key_prefix=f"{redis_prefix}rd{secrets.token_hex(3)}:", ratelimit_ip_per_window=2)
    with TestClient(create_app(settings)) as c:
        codes = [c.get("/health/readiness").status_code for _ in range(3)]
    assert codes[-1] == 429, codes


def test_production_without_a_recorder_key_has_no_onchain_offsets() -> None:
    assert _settings().offset_recorder() is None
