"""Jira, Trello, Notion and Google Drive: each client against a local server standing in for the provider
(auth headers, paths, title/status parsing, error kinds), credentials stored encrypted behind step-up,
and links to a project/milestone for its client or hired freelancer only."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from api.integrations.trackers import clients
from api.settings import ApiSettings
from tests.support.api_client import bearer, login
from tests.support.provider_server import Call, ProviderServer, running_provider

ETH = 10**18
LINKS = "/v1/integrations/trackers/links"
JIRA_AUTH = "Basic " + base64.b64encode(b"ada@acme.test:jira-token").decode()


def _guarded(expected: Callable[[Call], bool], answer: Any) -> Callable[[Call], tuple[int, Any]]:
    return lambda call: (200, answer) if expected(call) else (401, {"message": "who are you"})


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    with running_provider() as p:
        p.on("GET", "/rest/api/3/issue/PROJ-12", _guarded(
            lambda c: c.headers.get("authorization") == JIRA_AUTH and c.query.get("fields") == "summary,status",
            {"key": "PROJ-12", "fields": {"summary": "Audit the escrow", "status": {"name": "In Progress"}}}))
        p.on("GET", "/1/cards/abc123", _guarded(
            lambda c: c.query.get("key") == "trello-key" and c.query.get("token") == "trello-token",
            {"id": "abc123", "name": "Write the report", "closed": False, "dueComplete": True,
             "url": "https://trello.com/c/abc123"}))
        p.on("GET", "/v1/pages/page1", _guarded(
            lambda c: c.headers.get("authorization") == "Bearer notion-token" and c.headers.get("notion-version"),
            {"id": "page1", "archived": False, "url": "https://www.notion.so/page1", "properties": {
                "Name": {"type": "title", "title": [{"plain_text": "Spec "}, {"plain_text": "v2"}]}}}))
        p.on("GET", "/drive/v3/files/file1", _guarded(
            lambda c: c.headers.get("authorization") == "Bearer drive-token",
            {"name": "report.pdf", "trashed": True, "webViewLink": "https://drive.google.com/file/d/file1"}))
        yield p


@pytest.fixture
def tc(settings_factory: Callable[..., ApiSettings], provider: ProviderServer) -> Iterator[TestClient]:
    base = provider.base_url
    with TestClient(create_app(settings_factory(trello_api_base=base, notion_api_base=base,
                                                gdrive_api_base=base))) as c:
        yield c


def test_clients_against_the_local_provider(provider: ProviderServer) -> None:
    base = provider.base_url
    assert clients.jira(clients.Credential("jira-token", base, "ada@acme.test"), "PROJ-12") == clients.Item(
        "Audit the escrow", "In Progress", f"{base}/browse/PROJ-12")
    assert clients.trello(clients.Credential("trello-token", base, "trello-key"), "abc123").status == "done"
    notion = clients.notion(clients.Credential("notion-token", base), "page1")
    assert (notion.title, notion.status) == ("Spec v2", "active")
    drive = clients.gdrive(clients.Credential("drive-token", base), "file1")
    assert (drive.title, drive.status) == ("report.pdf", "trashed")
    for call, kind in ((lambda: clients.notion(clients.Credential("wrong", base), "page1"), "unauthorized"),
                       (lambda: clients.gdrive(clients.Credential("drive-token", base), "missing"), "not_found"),
                       (lambda: clients.jira(clients.Credential("t", "http://127.0.0.1:9"), "X-1"), "unavailable")):
        with pytest.raises(clients.TrackerError) as failed:
            call()
        assert failed.value.kind == kind


def _hired(c: TestClient) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    client_h = bearer(login(c, Account.create())["tokens"]["access_token"])
    freelancer_h = bearer(login(c, Account.create())["tokens"]["access_token"])
    project = c.post("/v1/projects", headers=client_h, json={
        "title": "Escrow audit", "description": "Audit a Solidity escrow and write the report", "skills": ["solidity"],
        "budget": str(2 * ETH), "chain": "anvil-1", "token": "native"}).json()
    c.post(f"/v1/projects/{project['id']}/transition", headers=client_h, json={"to": "open"})
    proposal = c.post(f"/v1/projects/{project['id']}/proposals", headers=freelancer_h, json={
        "cover_letter": "I audit escrows", "review_period_seconds": 3600,
        "milestones": [{"title": "Report", "amount": str(ETH)}, {"title": "Fixes", "amount": str(ETH)}]}).json()
    assert c.post(f"/v1/proposals/{proposal['id']}/accept", headers=client_h).status_code == 201
    return project, client_h, freelancer_h


def test_credentials_and_links(tc: TestClient, provider: ProviderServer, engine: Engine) -> None:
    project, client_h, freelancer_h = _hired(tc)
    link = {"project_id": project["id"], "provider": "notion", "ref": "page1", "milestone_index": 0}
    r = tc.post(LINKS, json=link, headers=freelancer_h)
    assert r.status_code == 409 and r.json()["type"] == "/problems/tracker-not-connected"
    creds = {"jira": {"token": "jira-token", "account": "ada@acme.test", "base_url": provider.base_url},
             "trello": {"token": "trello-token", "account": "trello-key"}, "notion": {"token": "notion-token"},
             "gdrive": {"token": "drive-token"}}
    for name, body in creds.items():
        r = tc.put(f"/v1/integrations/trackers/{name}/credential", json=body, headers=freelancer_h)
        assert r.status_code == 200 and "token" not in r.json(), r.text
    with engine.connect() as conn:
        tokens = conn.execute(text("SELECT token FROM tracker_credentials")).scalars().all()
    assert tokens and all(t.startswith("enc1:") for t in tokens)  # encrypted at rest
    made = []
    for name, ref in (("notion", "page1"), ("jira", "PROJ-12"), ("trello", "abc123"), ("gdrive", "file1")):
        r = tc.post(LINKS, json={"project_id": project["id"], "provider": name, "ref": ref}, headers=freelancer_h)
        assert r.status_code == 201, r.text
        made.append(r.json())
    assert [(m["title"], m["status"]) for m in made] == [("Spec v2", "active"), ("Audit the escrow", "In Progress"),
                                                          ("Write the report", "done"), ("report.pdf", "trashed")]
    assert tc.post(LINKS, json={"project_id": project["id"], "provider": "notion", "ref": "page1"},
                   headers=freelancer_h).status_code == 409
    listed = tc.get(LINKS, params={"project_id": project["id"]}, headers=client_h).json()
    assert {x["ref"] for x in listed} == {"page1", "PROJ-12", "abc123", "file1"}
    # Refresh reads the provider again; a missing item is a 422, an unreachable provider a 502 (no URL).
    provider.on("GET", "/v1/pages/page1", (200, {"archived": True, "properties": {}}))
    refreshed = tc.post(f"{LINKS}/{made[0]['id']}/refresh", headers=freelancer_h).json()
    assert refreshed["status"] == "archived"
    r = tc.post(LINKS, json={"project_id": project["id"], "provider": "gdrive", "ref": "nope"}, headers=freelancer_h)
    assert r.status_code == 422 and r.json()["type"] == "/problems/tracker-item-not-found"
    provider.on("GET", "/drive/v3/files/file1", (500, {"error": "internal at " + provider.base_url}))
    r = tc.post(f"{LINKS}/{made[3]['id']}/refresh", headers=freelancer_h)
    assert r.status_code == 502 and provider.base_url not in r.text
    # The client has no Notion token of their own: refreshing with it is a 409 that says so.
    assert tc.post(f"{LINKS}/{made[0]['id']}/refresh", headers=client_h).status_code == 409
    assert tc.delete(f"{LINKS}/{made[0]['id']}", headers=client_h).status_code == 204
    assert tc.delete("/v1/integrations/trackers/notion/credential", headers=freelancer_h).status_code == 204


def test_authorization(tc: TestClient, provider: ProviderServer) -> None:
    project, client_h, freelancer_h = _hired(tc)
    tc.put("/v1/integrations/trackers/gdrive/credential", json={"token": "drive-token"}, headers=client_h)
    made = tc.post(LINKS, json={"project_id": project["id"], "provider": "gdrive", "ref": "file1"},
                   headers=client_h).json()
    stranger_tokens = login(tc, Account.create())["tokens"]
    stranger = bearer(stranger_tokens["access_token"])
    tc.put("/v1/integrations/trackers/gdrive/credential", json={"token": "drive-token"}, headers=stranger)
    calls = [("POST", LINKS, {"project_id": project["id"], "provider": "gdrive", "ref": "file1"}),
             ("GET", f"{LINKS}?project_id={project['id']}", None), ("POST", f"{LINKS}/{made['id']}/refresh", None),
             ("DELETE", f"{LINKS}/{made['id']}", None)]
    for method, path, body in calls:
        assert tc.request(method, path, json=body).status_code == 401, path
        assert tc.request(method, path, json=body, headers=stranger).status_code == 404, path
    # Setting or removing a token needs step-up; Jira's site goes through the URL policy.
    signer = tc.app.state.token_signer
    claims = signer.verify_access(stranger_tokens["access_token"])
    stale, _ = signer.issue_access(claims.sub, claims.sid, claims.scope, 300, auth_time=int(time.time()) - 3600,
                                   amr=claims.amr)
    for method in ("PUT", "DELETE"):
        r = tc.request(method, "/v1/integrations/trackers/notion/credential", json={"token": "x"}, headers=bearer(stale))
        assert r.status_code == 403 and r.json()["type"] == "/problems/step-up-required"
    r = tc.put("/v1/integrations/trackers/jira/credential", json={"token": "x"}, headers=stranger)
    assert r.status_code == 422
    r = tc.put("/v1/integrations/trackers/jira/credential", json={"token": "x", "base_url": "ftp://x"}, headers=stranger)
    assert r.status_code == 422 and r.json()["type"] == "/problems/tracker-url-refused"
    assert tc.put("/v1/integrations/trackers/asana/credential", json={"token": "x"}, headers=stranger).status_code == 422
    assert tc.get(f"{LINKS}?project_id={uuid.uuid4()}", headers=stranger).status_code == 404
