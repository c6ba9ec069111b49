"""GitHub: linking a repository to a project (client or hired freelancer only), and the webhook:
X-Hub-Signature-256 checked (valid, tampered, other secret, missing), idempotent on X-GitHub-Delivery
(a stale redelivery changes nothing), a merged pull request naming a milestone suggests "submit
milestone" to the freelancer through the outbox."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from api.integrations.github import milestone_named
from api.settings import ApiSettings
from tests.support.api_client import bearer, login

SECRET = "gh-webhook-secret-for-tests"
HOOK = "/v1/integrations/webhooks/github"
LINKS = "/v1/integrations/github/links"
ETH = 10**18


@pytest.fixture
def gh(settings_factory: Callable[..., ApiSettings]) -> Iterator[TestClient]:
    with TestClient(create_app(settings_factory(github_webhook_secret=SECRET))) as c:
        yield c


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, (r.status_code, r.text[:500])
    return r.json()


def _hired(c: TestClient) -> tuple[dict[str, Any], dict[str, str], dict[str, str], str]:
    client_h = bearer(login(c, Account.create())["tokens"]["access_token"])
    freelancer = login(c, Account.create())["tokens"]
    freelancer_h = bearer(freelancer["access_token"])
    project = _ok(c.post("/v1/projects", headers=client_h, json={
        "title": "Escrow audit", "description": "Audit a Solidity escrow and write the report", "skills": ["solidity"],
        "budget": str(3 * ETH), "chain": "anvil-1", "token": "native"}), 201)
    _ok(c.post(f"/v1/projects/{project['id']}/transition", headers=client_h, json={"to": "open"}))
    proposal = _ok(c.post(f"/v1/projects/{project['id']}/proposals", headers=freelancer_h, json={
        "cover_letter": "I audit escrows", "review_period_seconds": 3600,
        "milestones": [{"title": "Report", "amount": str(ETH)}, {"title": "Fix review", "amount": str(2 * ETH)}]}), 201)
    _ok(c.post(f"/v1/proposals/{proposal['id']}/accept", headers=client_h), 201)
    return project, client_h, freelancer_h, str(freelancer["user_id"])


def _sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _pr(repo: str, title: str, merged: bool = True, body: str = "") -> bytes:
    return json.dumps({"action": "closed", "repository": {"full_name": repo},
                       "pull_request": {"number": 7, "title": title, "body": body, "merged": merged,
                                        "html_url": f"https://github.com/{repo}/pull/7"}}).encode()


def _send(c: TestClient, body: bytes, signature: str | None, delivery: str | None = None,
          event: str = "pull_request") -> Any:
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
               "Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return c.post(HOOK, content=body, headers=headers)


def _suggestions(engine: Engine, freelancer: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(
            "SELECT payload FROM outbox_events WHERE kind = 'github.milestone_submit_suggested' "
            "AND :u = ANY(audience) ORDER BY id"), {"u": freelancer}).scalars()]


def test_merged_pull_request_suggests_the_milestone(gh: TestClient, engine: Engine) -> None:
    project, client_h, freelancer_h, freelancer = _hired(gh)
    repo = f"Acme/escrow-{uuid.uuid4().hex[:6]}"
    link = _ok(gh.post(LINKS, json={"project_id": project["id"], "repo": repo}, headers=freelancer_h), 201)
    assert link["repo"] == repo.lower()
    assert gh.post(LINKS, json={"project_id": project["id"], "repo": repo}, headers=client_h).status_code == 409
    assert [x["id"] for x in _ok(gh.get(LINKS, params={"project_id": project["id"]}, headers=client_h))] == [link["id"]]

    body = _pr(repo, "Fix reentrancy (milestone #2)")
    delivery = str(uuid.uuid4())
    assert _ok(_send(gh, body, _sign(body), delivery)) == {"received": True, "duplicate": False, "suggestions": 1}
    # GitHub redelivers (or someone replays a captured request): acknowledged, nothing new.
    assert _ok(_send(gh, body, _sign(body), delivery)) == {"received": True, "duplicate": True, "suggestions": 0}
    (suggested,) = _suggestions(engine, freelancer)
    assert suggested["milestone_index"] == 1 and suggested["project_id"] == project["id"]
    assert suggested["pull_request"] == 7 and suggested["repo"] == repo.lower()
    # Closed without merging, a milestone that does not exist, a repo nobody linked, a ping: nothing.
    for other in (_pr(repo, "milestone 1", merged=False), _pr(repo, "milestone 9"), _pr("x/y", "milestone 1")):
        assert _ok(_send(gh, other, _sign(other)))["suggestions"] == 0
    ping = b'{"zen": "Keep it logically awesome."}'
    assert _ok(_send(gh, ping, _sign(ping), event="ping"))["suggestions"] == 0
    assert len(_suggestions(engine, freelancer)) == 1


def test_signature_valid_tampered_missing(gh: TestClient, client: TestClient) -> None:
    body = _pr("a/b", "milestone 1")
    assert _send(gh, body, _sign(body)).status_code == 200
    tampered = body.replace(b"milestone 1", b"milestone 2")
    for sig in (_sign(body), _sign(tampered, "another-secret"), "sha256=" + "0" * 64, "sha1=abc", None):
        r = _send(gh, tampered, sig)
        assert r.status_code == 400 and r.json()["type"] == "/problems/invalid-signature", (sig, r.text)
        assert SECRET not in r.text
    assert _send(gh, b"[1", _sign(b"[1")).status_code == 400
    assert gh.post(HOOK, content=body, headers={"X-Hub-Signature-256": _sign(body)}).status_code == 400  # no headers
    assert _send(client, body, _sign(body)).status_code == 404  # not configured: never a 5xx


def test_links_authorization(gh: TestClient) -> None:
    project, client_h, freelancer_h, _ = _hired(gh)
    stranger = bearer(login(gh, Account.create())["tokens"]["access_token"])
    link = _ok(gh.post(LINKS, json={"project_id": project["id"], "repo": "acme/one"}, headers=client_h), 201)
    assert gh.post(LINKS, json={"project_id": project["id"], "repo": "acme/two"}).status_code == 401
    assert gh.get(LINKS, params={"project_id": project["id"]}).status_code == 401
    assert gh.delete(f"{LINKS}/{link['id']}").status_code == 401
    assert gh.post(LINKS, json={"project_id": project["id"], "repo": "acme/two"}, headers=stranger).status_code == 404
    assert gh.get(LINKS, params={"project_id": project["id"]}, headers=stranger).status_code == 404
    assert gh.delete(f"{LINKS}/{link['id']}", headers=stranger).status_code == 404
    assert gh.post(LINKS, json={"project_id": project["id"], "repo": "not a repo"}, headers=client_h).status_code == 422
    assert gh.delete(f"{LINKS}/{link['id']}", headers=freelancer_h).status_code == 204
    assert _ok(gh.get(LINKS, params={"project_id": project["id"]}, headers=client_h)) == []


def test_milestone_naming() -> None:
    ms = [{"title": "Report"}, {"title": "Fix review"}]
    assert milestone_named("Closes milestone 1", ms) == 0
    assert milestone_named("MILESTONE #2 done", ms) == 1
    assert milestone_named("Milestone: fix review\n\nmore", ms) == 1
    assert milestone_named("milestone 3", ms) is None and milestone_named("milestones are hard", ms) is None
