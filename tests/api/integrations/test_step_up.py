"""Step-up on the integration changes that redirect data or change credentials: rotating a webhook's
signing secret, moving an endpoint to another URL, changing an integration's provider config (tokens,
channels). A stale session gets 403 step-up-required, an API key can never make them, and the other
changes on the same routes (events, description, name) need no fresh proof."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from tests.support.api_client import bearer
from tests.support.webhook_env import endpoint, integration

URL = "http://127.0.0.1:9/hook"


def _stale(client: TestClient, access_token: str) -> dict[str, str]:
    """The same session's token, but proven an hour ago (like a stolen token replayed later)."""
    signer = client.app.state.token_signer
    claims = signer.verify_access(access_token)
    token, _ = signer.issue_access(claims.sub, claims.sid, claims.scope, 300, auth_time=int(time.time()) - 3600,
                                   amr=claims.amr)
    return bearer(token)


def _is_step_up(r: Any) -> bool:
    return r.status_code == 403 and r.json()["type"] == "/problems/step-up-required"


def test_sensitive_changes_need_a_fresh_proof(client: TestClient, owner: dict[str, Any]) -> None:
    fresh, stale = owner["headers"], _stale(client, owner["access_token"])
    key = client.post("/v1/integrations/api-keys", json={"name": "k", "scopes": ["write:webhooks"]},
                      headers=fresh).json()["key"]
    api_key = {"X-API-Key": key}
    it = integration(client, fresh)
    hook = endpoint(client, fresh, it["id"], URL, ["*"])
    moves = [("POST", f"/v1/integrations/webhooks/{hook['id']}/rotate-secret", None),
             ("PATCH", f"/v1/integrations/webhooks/{hook['id']}", {"url": "http://127.0.0.1:9/elsewhere"}),
             ("PATCH", f"/v1/integrations/{it['id']}", {"config": {"token": "new"}})]
    for method, path, body in moves:
        assert _is_step_up(client.request(method, path, json=body, headers=stale)), (method, path)
        r = client.request(method, path, json=body, headers=api_key)
        assert r.status_code == 403, (method, path, r.text)
    # Nothing moved: same URL, same config, and the secret was never rotated.
    got = client.get(f"/v1/integrations/webhooks/{hook['id']}", headers=fresh).json()
    assert got["url"] == URL and got["previous_secret_expires_at"] is None
    assert client.get(f"/v1/integrations/{it['id']}", headers=fresh).json()["config"] == {}
    # Harmless changes on the same routes need no fresh proof, for a stale session or a key alike.
    for headers in (stale, api_key):
        assert client.patch(f"/v1/integrations/webhooks/{hook['id']}", json={"description": "d"},
                            headers=headers).status_code == 200
        assert client.patch(f"/v1/integrations/{it['id']}", json={"name": "n"}, headers=headers).status_code == 200
    # A fresh session makes all three.
    for method, path, body in moves:
        r = client.request(method, path, json=body, headers=fresh)
        assert r.status_code == 200, (method, path, r.text)
    got = client.get(f"/v1/integrations/webhooks/{hook['id']}", headers=fresh).json()
    assert got["url"].endswith("/elsewhere") and got["previous_secret_expires_at"] is not None


def test_step_up_routes_still_hide_other_users_objects(client: TestClient, owner: dict[str, Any],
                                                       account: Any) -> None:
    from eth_account import Account

    from tests.support.api_client import login

    it = integration(client, owner["headers"])
    hook = endpoint(client, owner["headers"], it["id"], URL, ["*"])
    stranger = bearer(login(client, Account.create())["tokens"]["access_token"])
    r = client.patch(f"/v1/integrations/webhooks/{hook['id']}", json={"url": "http://127.0.0.1:9/x"}, headers=stranger)
    assert r.status_code == 404
    assert client.post(f"/v1/integrations/webhooks/{hook['id']}/rotate-secret", headers=stranger).status_code == 404
    assert client.patch(f"/v1/integrations/{it['id']}", json={"config": {}}, headers=stranger).status_code == 404
    assert client.post(f"/v1/integrations/webhooks/{hook['id']}/rotate-secret").status_code == 401
