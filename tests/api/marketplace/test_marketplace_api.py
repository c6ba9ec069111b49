"""Profiles, skills, projects, proposals and templates through the HTTP API (no chain needed: projects
on the native coin of anvil-1): validation, authorization per route, search, idempotency."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from api.proposals.templates import split
from tests.support.api_client import bearer, login

ETH = 10**18


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, (r.status_code, r.text[:500])
    return r.json()


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()  # type: ignore[no-any-return]


@pytest.fixture
def person(client: TestClient) -> Any:
    def make(handle: str | None = None) -> dict[str, str]:
        headers = bearer(login(client, Account.create())["tokens"]["access_token"])
        if handle:
            _ok(client.patch("/v1/me/profile", headers=headers, json={"handle": handle, "display_name": handle}))
        return headers
    return make


def _handle() -> str:
    return "u" + secrets.token_hex(5)


def _project(client: TestClient, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    body = {"title": "Carbon dashboard", "description": "Build a carbon accounting dashboard in React",
            "skills": ["react", "carbon-accounting"], "budget": str(5 * ETH), "chain": "anvil-1", "token": "native",
            **extra}
    return _ok(client.post("/v1/projects", headers=headers, json=body), 201)  # type: ignore[no-any-return]


def test_profile_create_update_and_public_read(client: TestClient, person: Any) -> None:
    me = person()
    _problem(client.get("/v1/me/profile", headers=me), 404)
    _problem(client.patch("/v1/me/profile", headers=me, json={"bio": "no handle yet"}), 422)
    handle = _handle()
    _problem(client.patch("/v1/me/profile", headers=me, json={"handle": handle, "display_name": "A",
                                                              "time_zone": "Mars/Olympus"}), 422)
    out = _ok(client.patch("/v1/me/profile", headers=me, json={
        "handle": handle, "display_name": "Ada", "time_zone": "Europe/Berlin", "is_freelancer": True,
        "rates": [{"chain": "anvil-1", "token": "native", "amount": "1000000000000000000"}],
        "links": ["https://github.com/ada"]}))
    assert out["roles"] == ["freelancer"] and out["rates"][0]["amount"] == str(ETH)
    assert out["rates"][0]["token"] == "0x" + "00" * 20
    _problem(client.patch("/v1/me/profile", headers=me, json={"rates": [{"chain": "nope", "token": "native",
                                                                         "amount": "1"}]}), 422)
    _problem(client.patch("/v1/me/profile", headers=me, json={"rates": [{"chain": "anvil-1", "token": "native",
                                                                         "amount": 1}]}), 422)
    assert _ok(client.get(f"/v1/profiles/{handle}"))["display_name"] == "Ada"
    _problem(client.patch("/v1/me/profile", headers=person(), json={"handle": handle, "display_name": "B"}), 409)
    _problem(client.patch("/v1/me/profile", json={"bio": "x"}), 401)
    _problem(client.get("/v1/profiles/nobody-here"), 404)


def test_skills_taxonomy_and_my_skills(client: TestClient, person: Any) -> None:
    taxonomy = _ok(client.get("/v1/skills"))
    assert len(taxonomy) >= 60
    assert {"web3-security", "ai-ml", "climate-tech", "software"} <= {s["category"] for s in taxonomy}
    handle = _handle()
    me = person(handle)
    assert client.put("/v1/me/profile/skills/solidity", headers=me, json={"level": 4, "years": 3}).status_code == 204
    _problem(client.put("/v1/me/profile/skills/solidity", headers=me, json={"level": 6}), 422)
    _problem(client.put("/v1/me/profile/skills/basket-weaving", headers=me, json={"level": 2}), 404)
    mine = _ok(client.get(f"/v1/profiles/{handle}/skills"))
    assert [(s["skill"]["slug"], s["level"], s["verified_status"]) for s in mine] == [("solidity", 4, "unverified")]
    assert client.delete("/v1/me/profile/skills/solidity", headers=me).status_code == 204
    _problem(client.delete("/v1/me/profile/skills/solidity", headers=me), 404)
    _problem(client.get("/v1/me/profile/skills"), 401)


def test_project_lifecycle_authz_and_visibility(client: TestClient, person: Any) -> None:
    owner, other = person(_handle()), person()
    _problem(client.post("/v1/projects", json={}), 401)
    _problem(client.post("/v1/projects", headers=owner, json={
        "title": "x" * 5, "description": "d", "budget": "10", "chain": "anvil-1", "token": "0xdead"}), 422)
    _problem(client.post("/v1/projects", headers=owner, json={
        "title": "Valid", "description": "d", "budget": "10", "chain": "anvil-1", "token": "native",
        "milestones": [{"title": "a", "amount": "3"}]}), 422)  # does not sum to the budget
    _problem(client.post("/v1/projects", headers=owner, json={
        "title": "Valid", "description": "d", "budget": "10", "chain": "anvil-1", "token": "native",
        "skills": ["no-such-skill"]}), 422)
    p = _project(client, owner)
    assert p["state"] == "draft" and p["is_owner"] is True
    # A draft is the owner's only.
    _problem(client.get(f"/v1/projects/{p['id']}", headers=other), 404)
    _problem(client.get(f"/v1/projects/{p['id']}"), 404)
    _problem(client.patch(f"/v1/projects/{p['id']}", headers=other, json={"title": "Mine now"}), 404)
    _ok(client.post(f"/v1/projects/{p['id']}/transition", headers=owner, json={"to": "open"}))
    _problem(client.patch(f"/v1/projects/{p['id']}", headers=other, json={"title": "Mine now"}), 403)
    _problem(client.post(f"/v1/projects/{p['id']}/transition", headers=other, json={"to": "cancelled"}), 403)
    _problem(client.patch(f"/v1/projects/{p['id']}", json={"title": "Mine now"}), 401)
    assert _ok(client.patch(f"/v1/projects/{p['id']}", headers=owner, json={"title": "Carbon dashboard v2"}))[
        "title"] == "Carbon dashboard v2"
    assert _ok(client.get(f"/v1/projects/{p['id']}"))["is_owner"] is False
    _problem(client.post(f"/v1/projects/{p['id']}/transition", headers=owner, json={"to": "completed"}), 409)
    _ok(client.post(f"/v1/projects/{p['id']}/transition", headers=owner, json={"to": "cancelled"}))
    _problem(client.patch(f"/v1/projects/{p['id']}", headers=owner, json={"title": "Too late"}), 409)

    # Invite-only: the client and the invitees see it; nobody else.
    invited_handle = _handle()
    invited = person(invited_handle)
    hidden = _project(client, owner, visibility="invite_only", invite=[invited_handle], title="Secret ZK circuit")
    _ok(client.post(f"/v1/projects/{hidden['id']}/transition", headers=owner, json={"to": "open"}))
    _ok(client.get(f"/v1/projects/{hidden['id']}", headers=invited))
    _problem(client.get(f"/v1/projects/{hidden['id']}", headers=other), 404)
    _problem(client.get(f"/v1/projects/{hidden['id']}"), 404)
    ids = lambda headers: {x["id"] for x in _ok(client.get("/v1/projects", params={"q": "secret circuit"},  # noqa: E731
                                                           headers=headers))["items"]}
    assert hidden["id"] in ids(invited) and hidden["id"] not in ids(other) and hidden["id"] not in ids({})


def test_search_full_text_filters_and_keyset_pages(client: TestClient, person: Any) -> None:
    owner = person(_handle())
    word = "zq" + secrets.token_hex(4)  # a word no other test's project has
    made = []
    for i in range(5):
        p = _project(client, owner, title=f"Forest {word} monitoring {i}", budget=str((i + 1) * ETH),
                     skills=["remote-sensing"])
        _ok(client.post(f"/v1/projects/{p['id']}/transition", headers=owner, json={"to": "open"}))
        made.append(p["id"])
    seen, cursor = [], None
    while True:
        page = _ok(client.get("/v1/projects", params={"q": word, "limit": 2, **({"cursor": cursor} if cursor else {})}))
        seen += [x["id"] for x in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made[::-1]  # newest first, each once
    found = _ok(client.get("/v1/projects", params={"q": word, "min_budget": str(2 * ETH),
                                                   "max_budget": str(4 * ETH)}))["items"]
    assert sorted(x["budget"] for x in found) == [str(2 * ETH), str(3 * ETH), str(4 * ETH)]
    assert len(_ok(client.get("/v1/projects", params={"q": word, "skills": "remote-sensing", "chain": "31337",
                                                      "state": "open"}))["items"]) == 5
    assert _ok(client.get("/v1/projects", params={"q": word, "skills": "solidity"}))["items"] == []
    _problem(client.get("/v1/projects", params={"cursor": "forged"}), 400)
    _problem(client.get("/v1/projects", params={"chain": "nowhere"}), 422)
    _problem(client.get("/v1/projects", params={"min_budget": "-1"}), 422)
    # Wei budgets pass 2**63 (100 tokens is 10**20): compared as NUMERIC (a bigint bind was a 422 before).
    assert _ok(client.get("/v1/projects", params={"q": word, "min_budget": str(10**20)}))["items"] == []
    assert len(_ok(client.get("/v1/projects", params={"q": word, "max_budget": str(10**30)}))["items"]) >= 5
    _problem(client.get("/v1/projects", params={"mine": "true"}), 401)


def test_proposals_rules_and_authz(client: TestClient, person: Any) -> None:
    owner, fl, stranger = person(_handle()), person(_handle()), person()
    p = _project(client, owner)
    body = {"cover_letter": "Hire me", "milestones": [{"title": "All", "amount": str(ETH)}]}
    _problem(client.post(f"/v1/projects/{p['id']}/proposals", headers=fl, json=body), 404)  # still a draft
    _ok(client.post(f"/v1/projects/{p['id']}/transition", headers=owner, json={"to": "open"}))
    _problem(client.post(f"/v1/projects/{p['id']}/proposals", headers=owner, json=body), 403)
    _problem(client.post(f"/v1/projects/{p['id']}/proposals", json=body), 401)
    _problem(client.post(f"/v1/projects/{p['id']}/proposals", headers=fl,
                         json={"cover_letter": "x", "milestones": [{"title": "a", "amount": "0"}]}), 422)
    key = {"Idempotency-Key": secrets.token_hex(8)}
    first = _ok(client.post(f"/v1/projects/{p['id']}/proposals", headers={**fl, **key}, json=body), 201)
    again = client.post(f"/v1/projects/{p['id']}/proposals", headers={**fl, **key}, json=body)
    assert again.status_code == 201 and again.json()["id"] == first["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    _problem(client.post(f"/v1/projects/{p['id']}/proposals", headers={**fl, **key},
                         json={**body, "cover_letter": "Other"}), 422)
    # One active proposal per freelancer and project (the database says so).
    _problem(client.post(f"/v1/projects/{p['id']}/proposals", headers=fl, json=body), 409)
    pid = first["id"]
    _problem(client.get(f"/v1/proposals/{pid}", headers=stranger), 404)
    assert [x["id"] for x in _ok(client.get(f"/v1/projects/{p['id']}/proposals", headers=owner))] == [pid]
    assert _ok(client.get(f"/v1/projects/{p['id']}/proposals", headers=stranger)) == []
    _problem(client.post(f"/v1/proposals/{pid}/shortlist", headers=fl), 403)
    _problem(client.post(f"/v1/proposals/{pid}/withdraw", headers=owner), 403)
    _problem(client.post(f"/v1/proposals/{pid}/accept", headers=fl), 403)
    _problem(client.post(f"/v1/proposals/{pid}/accept", headers=stranger), 404)
    assert _ok(client.post(f"/v1/proposals/{pid}/shortlist", headers=owner))["state"] == "shortlisted"
    assert _ok(client.post(f"/v1/proposals/{pid}/withdraw", headers=fl))["state"] == "withdrawn"
    _problem(client.post(f"/v1/proposals/{pid}/accept", headers=owner), 409)
    # Withdrawn frees the place: a new proposal from a template (exact split, remainder last).
    templates = _ok(client.get("/v1/milestone-templates", headers=fl))
    three = next(t for t in templates if t["name"] == "Three phases")
    second = _ok(client.post(f"/v1/projects/{p['id']}/proposals", headers=fl, json={
        "cover_letter": "Again", "template": {"template_id": three["id"], "price": "1000000000000000001"}}), 201)
    assert [m["amount"] for m in second["milestones"]] == ["250000000000000000", "500000000000000000",
                                                          "250000000000000001"]
    assert second["review_period_seconds"] == 7 * 86400
    contract = _ok(client.post(f"/v1/proposals/{second['id']}/accept", headers=owner), 201)
    assert contract["total"] == "1000000000000000001" and contract["role"] == "client"
    assert _ok(client.get(f"/v1/projects/{p['id']}"))["state"] == "in_progress"
    _problem(client.get(f"/v1/contracts/{contract['id']}", headers=stranger), 404)
    assert _ok(client.get(f"/v1/contracts/{contract['id']}", headers=fl))["role"] == "freelancer"
    _problem(client.post(f"/v1/contracts/{contract['id']}/escrow/prepare", headers=owner, json={}), 422)  # no arbiter
    _problem(client.post(f"/v1/contracts/{contract['id']}/actions/prepare", headers=fl,
                         json={"action": "accept"}), 409)  # not prepared yet


def test_milestone_templates(client: TestClient, person: Any) -> None:
    me, other = person(), person()
    _problem(client.post("/v1/milestone-templates", headers=me, json={
        "name": "Bad", "items": [{"title": "a", "bps": 5000}]}), 422)
    t = _ok(client.post("/v1/milestone-templates", headers=me, json={
        "name": "Mine", "items": [{"title": "a", "bps": 3333}, {"title": "b", "bps": 6667,
                                                                  "review_period_seconds": 86400}]}), 201)
    assert t["platform"] is False
    assert t["id"] not in {x["id"] for x in _ok(client.get("/v1/milestone-templates", headers=other))}
    applied = _ok(client.post(f"/v1/milestone-templates/{t['id']}/apply", headers=me, json={"total": "10"}))
    assert [m["amount"] for m in applied["milestones"]] == ["3", "7"]
    _problem(client.post(f"/v1/milestone-templates/{t['id']}/apply", headers=other, json={"total": "10"}), 404)
    _problem(client.delete(f"/v1/milestone-templates/{t['id']}", headers=other), 404)
    platform = next(x for x in _ok(client.get("/v1/milestone-templates", headers=me)) if x["platform"])
    _problem(client.delete(f"/v1/milestone-templates/{platform['id']}", headers=me), 403)
    assert client.delete(f"/v1/milestone-templates/{t['id']}", headers=me).status_code == 204
    _problem(client.get("/v1/milestone-templates"), 401)


@pytest.mark.parametrize(("total", "bps"), [(10, [3333, 3333, 3334]), (1, [10_000]), (7, [5000, 5000]),
                                            (10**30 + 7, [1, 9999])])
def test_split_is_exact(total: int, bps: list[int]) -> None:
    amounts = split(total, bps)
    assert sum(amounts) == total and len(amounts) == len(bps)
    assert all(a == total * b // 10_000 for a, b in zip(amounts[:-1], bps[:-1]))


def test_text_the_database_cannot_store_is_a_422(client: TestClient, person: Any) -> None:
    _problem(client.get("/v1/profiles/a%00b"), 422)
    _problem(client.patch("/v1/me/profile", headers=person(), json={"handle": _handle(), "display_name": "a\x00b"}),
             422)
