"""Organizations: roles, invitations, org-owned projects (managers edit, members see), the team view."""

from __future__ import annotations

import secrets
from typing import Any

from eth_account import Account
from fastapi.testclient import TestClient

from tests.support.api_client import bearer, login


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, (r.status_code, r.text[:500])
    return r.json()


def _status(r: Any, status: int) -> None:
    assert r.status_code == status, (r.status_code, r.text[:300])
    if status >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")


def _person(client: TestClient) -> tuple[str, dict[str, str]]:
    handle = "o" + secrets.token_hex(5)
    headers = bearer(login(client, Account.create())["tokens"]["access_token"])
    _ok(client.patch("/v1/me/profile", headers=headers, json={"handle": handle, "display_name": handle}))
    return handle, headers


def test_org_roles_invitations_projects_and_team_view(client: TestClient) -> None:
    owner_handle, owner = _person(client)
    admin_handle, admin = _person(client)
    member_handle, member = _person(client)
    _, outsider = _person(client)
    fl_handle, fl = _person(client)
    slug = "team-" + secrets.token_hex(3)
    _status(client.post("/v1/orgs", json={"slug": slug, "name": "Team"}), 401)
    _status(client.post("/v1/orgs", headers=owner, json={"slug": "Bad Slug", "name": "Team"}), 422)
    org = _ok(client.post("/v1/orgs", headers=owner, json={"slug": slug, "name": "Team"}), 201)
    assert org["my_role"] == "owner"
    _status(client.post("/v1/orgs", headers=admin, json={"slug": slug, "name": "Copy"}), 409)
    _status(client.get(f"/v1/orgs/{slug}", headers=outsider), 404)

    # Invitations: managers invite; the invitee accepts; nobody else can.
    _status(client.post(f"/v1/orgs/{slug}/invitations", headers=outsider, json={"handle": admin_handle}), 404)
    inv = _ok(client.post(f"/v1/orgs/{slug}/invitations", headers=owner,
                          json={"handle": admin_handle, "role": "admin"}), 201)
    _status(client.post(f"/v1/org-invitations/{inv['id']}/accept", headers=outsider), 404)
    assert [i["id"] for i in _ok(client.get("/v1/me/org-invitations", headers=admin))] == [inv["id"]]
    assert _ok(client.post(f"/v1/org-invitations/{inv['id']}/accept", headers=admin))["my_role"] == "admin"
    _status(client.post(f"/v1/org-invitations/{inv['id']}/accept", headers=admin), 409)
    _status(client.post(f"/v1/orgs/{slug}/invitations", headers=admin, json={"handle": member_handle,
                                                                            "role": "owner"}), 403)
    inv2 = _ok(client.post(f"/v1/orgs/{slug}/invitations", headers=admin, json={"handle": member_handle}), 201)
    _ok(client.post(f"/v1/org-invitations/{inv2['id']}/accept", headers=member))
    _status(client.post(f"/v1/orgs/{slug}/invitations", headers=member, json={"handle": fl_handle}), 403)
    _status(client.put(f"/v1/orgs/{slug}/members/{member_handle}", headers=admin, json={"role": "admin"}), 403)
    _status(client.put(f"/v1/orgs/{slug}/members/{owner_handle}", headers=owner, json={"role": "member"}), 409)

    # An org project: an admin posts it, the member sees the draft, only managers edit.
    body = {"title": "Team project", "description": "d", "budget": "100", "chain": "anvil-1", "token": "native",
            "org": slug}
    _status(client.post("/v1/projects", headers=member, json=body), 403)
    _status(client.post("/v1/projects", headers=outsider, json=body), 404)
    project = _ok(client.post("/v1/projects", headers=admin, json=body), 201)
    assert project["org"] == slug
    _ok(client.get(f"/v1/projects/{project['id']}", headers=member))
    _status(client.get(f"/v1/projects/{project['id']}", headers=outsider), 404)
    _status(client.patch(f"/v1/projects/{project['id']}", headers=member, json={"title": "Nope"}), 403)
    _ok(client.post(f"/v1/projects/{project['id']}/transition", headers=owner, json={"to": "open"}))
    proposal = _ok(client.post(f"/v1/projects/{project['id']}/proposals", headers=fl, json={
        "cover_letter": "hi", "milestones": [{"title": "a", "amount": "60"}, {"title": "b", "amount": "40"}]}), 201)
    _status(client.post(f"/v1/proposals/{proposal['id']}/accept", headers=member), 404)
    contract = _ok(client.post(f"/v1/proposals/{proposal['id']}/accept", headers=owner), 201)

    view = _ok(client.get(f"/v1/orgs/{slug}/team", headers=member))
    assert [p["id"] for p in view["projects"]] == [project["id"]]
    assert [c["id"] for c in view["contracts"]] == [contract["id"]]
    assert view["spend"] == [{"chain_id": 31337, "token": "0x" + "00" * 20, "committed": "0", "released": "0"}]
    assert {m["handle"]: m["role"] for m in view["org"]["members"]} == {
        owner_handle: "owner", admin_handle: "admin", member_handle: "member"}
    _status(client.get(f"/v1/orgs/{slug}/team", headers=outsider), 404)
    _status(client.get(f"/v1/orgs/{slug}/team"), 401)

    # Leaving and removing.
    _status(client.delete(f"/v1/orgs/{slug}/members/{owner_handle}", headers=admin), 403)
    _status(client.delete(f"/v1/orgs/{slug}/members/{owner_handle}", headers=owner), 409)  # last owner
    assert client.delete(f"/v1/orgs/{slug}/members/{member_handle}", headers=member).status_code == 204
    _status(client.get(f"/v1/projects/{project['id']}/proposals", headers=member), 200)
    assert [o["slug"] for o in _ok(client.get("/v1/orgs", headers=admin))] == [slug]
