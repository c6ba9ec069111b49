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


def test_search_shows_org_projects_to_members_invites_to_invitees_and_mine(client: TestClient) -> None:
    """The search's visibility rule, signed in: an organization's draft is found by its members (by `q` and
    with mine=true) and by nobody else; an invite-only project by its invitees; mine=true of a member holds
    their own and their organizations' projects only; keyset pages keep the rule."""
    owner_handle, owner = _person(client)
    member_handle, member = _person(client)
    invited_handle, invited = _person(client)
    _, outsider = _person(client)
    word = "zv" + secrets.token_hex(4)  # no other test's project has it
    slug = "srch-" + secrets.token_hex(3)
    _ok(client.post("/v1/orgs", headers=owner, json={"slug": slug, "name": "Search team"}), 201)
    inv = _ok(client.post(f"/v1/orgs/{slug}/invitations", headers=owner, json={"handle": member_handle}), 201)
    _ok(client.post(f"/v1/org-invitations/{inv['id']}/accept", headers=member))
    base = {"description": f"about {word}", "budget": "100", "chain": "anvil-1", "token": "native"}
    org_draft = _ok(client.post("/v1/projects", headers=owner, json={**base, "title": f"Org draft {word}",
                                                                      "org": slug}), 201)
    secret = _ok(client.post("/v1/projects", headers=outsider, json={
        **base, "title": f"Invite only {word}", "visibility": "invite_only", "invite": [invited_handle]}), 201)
    _ok(client.post(f"/v1/projects/{secret['id']}/transition", headers=outsider, json={"to": "open"}))
    own = _ok(client.post("/v1/projects", headers=member, json={**base, "title": f"Member draft {word}"}), 201)
    public = _ok(client.post("/v1/projects", headers=outsider, json={**base, "title": f"Public {word}"}), 201)
    _ok(client.post(f"/v1/projects/{public['id']}/transition", headers=outsider, json={"to": "open"}))

    def found(headers: dict[str, str], **params: Any) -> list[str]:
        ids, cursor = [], None
        while True:  # one item a page: every page goes through the keyset condition
            page = _ok(client.get("/v1/projects", headers=headers, params={
                "q": word, "limit": 1, **params, **({"cursor": cursor} if cursor else {})}))
            ids += [x["id"] for x in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return ids

    assert found(member) == [public["id"], own["id"], org_draft["id"]]  # newest first
    assert found(owner) == [public["id"], org_draft["id"]]
    assert found(invited) == [public["id"], secret["id"]]
    assert found(outsider) == [public["id"], secret["id"]]  # the outsider posted both
    assert found({}) == [public["id"]]
    assert found(member, mine="true") == [own["id"], org_draft["id"]]
    assert found(owner, mine="true") == [org_draft["id"]]
    assert found(invited, mine="true") == []
    assert found(member, mine="true", state="draft", skills=[]) == [own["id"], org_draft["id"]]
    assert [x["is_owner"] for x in _ok(client.get("/v1/projects", headers=member, params={"q": word}))["items"]] \
        == [False, True, False]
