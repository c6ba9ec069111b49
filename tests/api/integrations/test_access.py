"""Who may manage integrations, endpoints and the delivery log: the owner (a user, or an organization's
owners/admins), API keys with ``write:webhooks``; other users get a 404, no credentials a 401. The URL
policy (SSRF), the feature flag, and the developer API keys (create, list, rotate with grace, revoke)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import iter_routes
from api.integrations import urls
from api.settings import ApiSettings
from tests.support.api_client import bearer, login
from tests.support.webhook_env import endpoint, integration

URL = "http://127.0.0.1:9/hook"


def _stranger(client: TestClient) -> dict[str, str]:
    return bearer(login(client, Account.create())["tokens"]["access_token"])


def _key(client: TestClient, headers: dict[str, str], scopes: list[str]) -> dict[str, str]:
    r = client.post("/v1/integrations/api-keys", json={"name": "ci", "scopes": scopes}, headers=headers)
    assert r.status_code == 201, r.text
    return {"X-API-Key": r.json()["key"]}


def test_owner_other_user_and_no_credentials(client: TestClient, owner: dict[str, Any]) -> None:
    it = integration(client, owner["headers"])
    hook = endpoint(client, owner["headers"], it["id"], URL, ["*"])
    ping = client.post(f"/v1/integrations/webhooks/{hook['id']}/test", headers=owner["headers"]).json()
    paths = [("GET", f"/v1/integrations/{it['id']}"), ("PATCH", f"/v1/integrations/{it['id']}"),
             ("GET", f"/v1/integrations/{it['id']}/webhooks"),
             ("POST", f"/v1/integrations/{it['id']}/webhooks"),
             ("GET", f"/v1/integrations/webhooks/{hook['id']}"), ("PATCH", f"/v1/integrations/webhooks/{hook['id']}"),
             ("POST", f"/v1/integrations/webhooks/{hook['id']}/rotate-secret"),
             ("POST", f"/v1/integrations/webhooks/{hook['id']}/test"),
             ("GET", f"/v1/integrations/webhooks/{hook['id']}/deliveries"),
             ("GET", f"/v1/integrations/webhooks/{hook['id']}/deliveries/{ping['id']}"),
             ("POST", f"/v1/integrations/webhooks/{hook['id']}/deliveries/{ping['id']}/replay"),
             ("DELETE", f"/v1/integrations/webhooks/{hook['id']}"), ("DELETE", f"/v1/integrations/{it['id']}")]
    stranger = _stranger(client)
    bodies = {("PATCH", it["id"]): {"name": "x"}, ("PATCH", hook["id"]): {"description": "x"},
              ("POST", "webhooks"): {"url": URL, "events": ["*"]}}
    for method, path in paths:
        body = bodies.get((method, path.rsplit("/", 1)[1]))
        assert client.request(method, path, json=body).status_code == 401, (method, path)
        r = client.request(method, path, json=body, headers=stranger)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
    assert client.get("/v1/integrations", headers=stranger).json() == []
    # The owner can do all of it (the endpoint still exists: strangers changed nothing).
    assert client.get(f"/v1/integrations/webhooks/{hook['id']}", headers=owner["headers"]).json()["description"] == ""
    assert client.delete(f"/v1/integrations/webhooks/{hook['id']}", headers=owner["headers"]).status_code == 204
    assert client.delete(f"/v1/integrations/{it['id']}", headers=owner["headers"]).status_code == 204
    assert client.get(f"/v1/integrations/{it['id']}", headers=owner["headers"]).status_code == 404


def test_api_keys_need_the_webhooks_scope(client: TestClient, owner: dict[str, Any]) -> None:
    with_scope = _key(client, owner["headers"], ["write:webhooks"])
    without = _key(client, owner["headers"], ["read:chain"])
    it = integration(client, with_scope)
    assert client.get(f"/v1/integrations/{it['id']}", headers=owner["headers"]).status_code == 200
    r = client.get("/v1/integrations", headers=without)
    assert r.status_code == 403 and r.json()["type"] == "/problems/insufficient-scope"
    # Keys never manage keys.
    assert client.get("/v1/integrations/api-keys", headers=with_scope).status_code == 403


def test_organization_integrations_are_for_owners_and_admins(client: TestClient, owner: dict[str, Any]) -> None:
    slug = f"org{uuid.uuid4().hex[:8]}"
    assert client.post("/v1/orgs", json={"slug": slug, "name": "Org"}, headers=owner["headers"]).status_code == 201
    it = integration(client, owner["headers"], org=slug)
    assert it["owner_org_id"] and it["owner_user_id"] is None
    outsider = _stranger(client)
    r = client.post("/v1/integrations", json={"provider": "webhook", "name": "x", "org": slug}, headers=outsider)
    assert r.status_code == 404
    assert client.get(f"/v1/integrations/{it['id']}", headers=outsider).status_code == 404


def test_url_policy_refuses_private_targets_unless_allowed(settings_factory: Callable[..., ApiSettings],
                                                           account: Any) -> None:
    for bad in ("http://example.com/x", "https://127.0.0.1/x", "https://10.1.2.3/x", "https://[::1]/x",
                "https://169.254.169.254/latest", "https://localhost/x", "https://user:pw@93.184.216.34/x",
                "https://[::ffff:127.0.0.1]/x", "ftp://93.184.216.34/x"):
        with pytest.raises(urls.UrlRefused):
            urls.check(bad, "webhook", allow_private=False)
    urls.check("https://93.184.216.34/hook", "webhook", allow_private=False)  # a public address literal
    with pytest.raises(urls.UrlRefused):
        urls.check("https://93.184.216.34/services/x", "slack", allow_private=False)  # not Slack's host
    urls.check("http://127.0.0.1:8080/x", "webhook", allow_private=True)
    strict = settings_factory(webhook_allow_private_urls=False)
    assert not strict.webhook_private_urls_allowed
    with TestClient(create_app(strict)) as c:
        h = bearer(login(c, account)["tokens"]["access_token"])
        it = integration(c, h)
        r = c.post(f"/v1/integrations/{it['id']}/webhooks", json={"url": URL, "events": ["*"]}, headers=h)
        assert r.status_code == 422 and r.json()["type"] == "/problems/webhook-url-refused"
        assert "127.0.0.1" not in r.json()["detail"]


def test_routes_are_gone_when_the_feature_is_off(settings_factory: Callable[..., ApiSettings], account: Any) -> None:
    with TestClient(create_app(settings_factory(enable_integrations=False))) as c:
        h = bearer(login(c, account)["tokens"]["access_token"])
        paths = c.get("/openapi.json").json()["paths"]
        gated = [(m, p) for p, route, reqs in iter_routes(list(c.app.routes)) if reqs
                 for m in getattr(route, "methods", set()) - {"HEAD", "OPTIONS"}
                 if reqs[0].feature == "enable_integrations"]
        assert len(gated) >= 18
        for method, path in gated:
            assert path not in paths, path
            url = path.replace("{delivery_id}", "1")
            url = url.replace("{integration_id}", str(uuid.uuid4())).replace("{webhook_id}", str(uuid.uuid4()))
            url = url.replace("{key_id}", str(uuid.uuid4()))
            assert c.request(method, url, json={}, headers=h).status_code == 404, (method, path)


def test_developer_api_keys_with_rotation(client: TestClient, owner: dict[str, Any]) -> None:
    h = owner["headers"]
    created = client.post("/v1/integrations/api-keys", json={"name": "deploy", "scopes": ["write:webhooks"]},
                          headers=h)
    assert created.status_code == 201
    old = created.json()
    listed = client.get("/v1/integrations/api-keys", headers=h).json()
    assert [k["id"] for k in listed] == [old["id"]] and "key" not in listed[0]
    # The same keys as /v1/me/api-keys: one service, no second store.
    assert [k["id"] for k in client.get("/v1/me/api-keys", headers=h).json()] == [old["id"]]
    rotated = client.post(f"/v1/integrations/api-keys/{old['id']}/rotate", json={"grace_seconds": 2}, headers=h)
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()
    assert new["key"] != old["key"] and new["scopes"] == ["write:webhooks"] and new["name"] == "deploy"
    for key in (old["key"], new["key"]):  # both work during the grace period
        assert client.get("/v1/integrations", headers={"X-API-Key": key}).status_code == 200
    time.sleep(2.2)
    assert client.get("/v1/integrations", headers={"X-API-Key": old["key"]}).status_code == 401
    assert client.get("/v1/integrations", headers={"X-API-Key": new["key"]}).status_code == 200
    stranger = _stranger(client)
    assert client.delete(f"/v1/integrations/api-keys/{new['id']}", headers=stranger).status_code == 404
    assert client.post(f"/v1/integrations/api-keys/{new['id']}/rotate", json={}, headers=stranger).status_code == 404
    assert client.delete(f"/v1/integrations/api-keys/{new['id']}", headers=h).status_code == 204
    assert client.get("/v1/integrations", headers={"X-API-Key": new["key"]}).status_code == 401
    again = client.post(f"/v1/integrations/api-keys/{new['id']}/rotate", json={}, headers=h)
    assert again.status_code == 409
    assert client.post("/v1/integrations/api-keys", json={"name": "x", "scopes": ["read:chain"]}).status_code == 401


def test_erasing_an_account_deletes_its_integrations(client: TestClient, owner: dict[str, Any], engine: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    from api.privacy import service as privacy

    it = integration(client, owner["headers"])
    endpoint(client, owner["headers"], it["id"], URL, ["*"])
    assert client.delete("/v1/me", headers=owner["headers"]).status_code == 202
    with engine.connect() as conn:
        request_id = conn.execute(text("SELECT id FROM privacy_deletions WHERE user_id = :u AND status = 'scheduled'"),
                                  {"u": owner["user_id"]}).scalar_one()
    assert privacy.erase_user(engine, request_id, now=datetime.now(UTC) + timedelta(days=365)) is True
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM webhooks WHERE integration_id = :i"),
                            {"i": it["id"]}).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM integrations WHERE owner_user_id = :u"),
                            {"u": owner["user_id"]}).scalar() == 0
