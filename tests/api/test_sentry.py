"""Sentry (issue 18): with SENTRY_DSN pointing at a local ingestion endpoint, the real SDK sends errors of
the real app as envelopes, tagged with release, environment and component, sampled by route (health and
metrics lower), and with no token, signature, code or secret in anything it sends."""

from __future__ import annotations

import subprocess
import sys

from api.settings import ApiSettings
from indexer.core.sentry import REDACTED, scrub
from tests.support.processes import REPO, settings_env
from tests.support.sentry_receiver import SentryReceiver

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEyMzQ1Njc4In0.c2lnbmF0dXJlLXNlY3JldC14eXo"
API_KEY = "lnc_" + "K" * 40
SIGNATURE = "0x" + "ab" * 65
SECRETS = (JWT, API_KEY, SIGNATURE, "123456", "hunter2-password", "rpc-provider-key", "backup-code-7")

SCRIPT = f"""
import sentry_sdk
from fastapi.testclient import TestClient
from api.app import create_app
from api.auth import public
from api.settings import get_settings

app = create_app(get_settings())

@app.get("/v1/test/boom", dependencies=[public()])
def boom(code: str = "") -> None:
    sentry_sdk.add_breadcrumb(message="verifying otp", data={{"otp": "123456", "wallet_signature": "{SIGNATURE}"}})
    sentry_sdk.set_context("provider", {{"url": "https://rpc.example.org/v3/path?apikey=rpc-provider-key"}})
    sentry_sdk.set_extra("form", {{"password": "hunter2-password", "backup_code": "backup-code-7", "note": "ok"}})
    raise RuntimeError("token {JWT} refused for key {API_KEY}")

with TestClient(app, raise_server_exceptions=False) as c:
    assert c.get("/health/liveness").status_code == 200
    r = c.get("/v1/test/boom?code=123456&signature={SIGNATURE}",
              headers={{"Authorization": "Bearer {JWT}", "X-API-Key": "{API_KEY}", "Cookie": "session=abc"}})
    assert r.status_code == 500, r.text
sentry_sdk.flush(timeout=10)
"""


def test_errors_reach_sentry_tagged_sampled_and_scrubbed(api_settings: ApiSettings) -> None:
    with SentryReceiver() as receiver:
        env = settings_env(api_settings, SENTRY_DSN=receiver.dsn, SENTRY_RELEASE="lancer@9.9.9-test",
                           SENTRY_TRACES_SAMPLE_RATE="1.0", SENTRY_HEALTH_SAMPLE_RATE="0")
        done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=REPO, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        receiver.wait_for(lambda r: bool(r.items("event")) and bool(r.items("transaction")))
    event = receiver.items("event")[0]
    assert event["release"] == "lancer@9.9.9-test" and event["environment"] == "test"
    assert event["tags"]["component"] == "api"
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert REDACTED in event["exception"]["values"][-1]["value"]
    assert event["extra"]["form"]["note"] == "ok"
    assert "sentry_key=publickey" in receiver.auth[0]
    # Traces: the failing route is traced (rate 1.0); the health check is not (its own rate, 0).
    names = [t["transaction"] for t in receiver.items("transaction")]
    assert any("/v1/test/boom" in n for n in names) and not any("/health/" in n for n in names), names
    everything = b"".join(receiver.raw)
    for secret in SECRETS:
        assert secret.encode() not in everything, secret


def test_scrub_rules() -> None:
    event = {
        "request": {"headers": [["Authorization", "Bearer x.y.z"], ["Accept", "json"]],
                    "query_string": "code=1&chain=2", "url": "https://u:p@api.example/v1?token=abc"},
        "extra": {"refresh_token": "r", "api_key_id": "k", "status_code": 500, "chain_id": 1,
                  "message": f"sig {SIGNATURE} and {API_KEY}"},
    }
    out = scrub(event)
    assert out["request"]["headers"] == [["Authorization", REDACTED], ["Accept", "json"]]
    assert out["request"]["query_string"] == REDACTED and out["request"]["url"] == "https://api.example/v1?" + REDACTED
    assert out["extra"]["refresh_token"] == REDACTED and out["extra"]["chain_id"] == 1
    assert out["extra"]["status_code"] == 500
    assert SIGNATURE not in out["extra"]["message"] and API_KEY not in out["extra"]["message"]


def test_off_without_a_dsn(api_settings: ApiSettings) -> None:
    from indexer.core.sentry import setup_sentry

    assert api_settings.sentry_dsn is None and setup_sentry(api_settings, "api") is False
