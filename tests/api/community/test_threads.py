"""Threads and posts: author/moderator rights, Markdown stored raw and rendered safe, reactions, replies and
mentions in the outbox, search, tags, keyset pages."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.api.community.conftest import new_user


def space(cc: TestClient, admin_h: dict[str, str], **extra: Any) -> str:
    slug = f"s-{secrets.token_hex(4)}"
    r = cc.post("/v1/community/spaces", json={"slug": slug, "name": "Space " + slug, **extra}, headers=admin_h)
    assert r.status_code == 201, r.text
    return slug


def thread(cc: TestClient, who: dict[str, Any], slug: str, **body: Any) -> dict[str, Any]:
    payload = {"space": slug, "title": "A thread title", "body": "Opening text", **body}
    r = cc.post("/v1/community/threads", json=payload, headers=who["h"])
    assert r.status_code == 201, r.text
    return dict(r.json())


def post(cc: TestClient, who: dict[str, Any], thread_id: str, body: str, **extra: Any) -> Any:
    return cc.post(f"/v1/community/threads/{thread_id}/posts", json={"body": body, **extra}, headers=who["h"])


def test_thread_flow_and_rights(cc: TestClient, admin_h: dict[str, str], engine: Engine) -> None:
    slug = space(cc, admin_h)
    alice, bob, carol = new_user(cc), new_user(cc), new_user(cc)
    handle = f"carol{secrets.token_hex(3)}"
    assert cc.patch("/v1/me/profile", json={"handle": handle, "display_name": "Carol"}, headers=carol["h"]).status_code == 200
    t = thread(cc, alice, slug, body="Hello <script>alert(1)</script> **world**", tags=["escrow", "help", "escrow"])
    assert t["tags"] == ["escrow", "help"] and t["state"] == "published" and t["space"] == slug
    assert t["opening"]["body"] == "Hello <script>alert(1)</script> **world**"  # stored raw
    assert "<script>" not in t["opening"]["html"] and "<strong>world</strong>" in t["opening"]["html"]
    tid = t["id"]
    r = post(cc, bob, tid, f"Agreed, cc @{handle.upper()}", reply_to=t["opening"]["id"])
    assert r.status_code == 201, r.text
    reply = r.json()
    # Other users cannot edit or delete; the author can; a moderator can.
    assert cc.patch(f"/v1/community/posts/{reply['id']}", json={"body": "x"}, headers=alice["h"]).status_code == 403
    assert cc.delete(f"/v1/community/posts/{reply['id']}", headers=carol["h"]).status_code == 403
    assert cc.patch(f"/v1/community/threads/{tid}", json={"title": "Hijacked"}, headers=bob["h"]).status_code == 403
    edited = cc.patch(f"/v1/community/posts/{reply['id']}", json={"body": "Agreed (edited)"}, headers=bob["h"])
    assert edited.status_code == 200 and edited.json()["edited_at"] is not None
    assert cc.patch(f"/v1/community/threads/{tid}", json={"title": "Moderated title"}, headers=admin_h).json()["title"] == \
        "Moderated title"
    # Reactions: idempotent per user and emoji; unknown emoji is a 422 problem.
    for who in (alice, carol, carol):
        cc.put(f"/v1/community/posts/{reply['id']}/reactions", json={"emoji": "+1"}, headers=who["h"])
    assert cc.put(f"/v1/community/posts/{reply['id']}/reactions", json={"emoji": "heart"}, headers=bob["h"]).json() == \
        {"+1": 2, "heart": 1}
    bad = cc.put(f"/v1/community/posts/{reply['id']}/reactions", json={"emoji": "<b>"}, headers=bob["h"])
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert cc.delete(f"/v1/community/posts/{reply['id']}/reactions/+1", headers=carol["h"]).json() == {"+1": 1, "heart": 1}
    # Outbox: the reply notifies the thread's author, the mention notifies carol; ids only, no text.
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, payload, audience FROM outbox_events WHERE subject = :s ORDER BY id"),
                            {"s": f"community_thread:{tid}"}).all()
    kinds = {r.kind: r for r in rows}
    assert set(kinds) == {"community.reply", "community.mention"}
    assert [str(u) for u in kinds["community.reply"].audience] == [alice["id"]]
    assert [str(u) for u in kinds["community.mention"].audience] == [carol["id"]]
    assert "Agreed" not in str(kinds["community.reply"].payload)
    # Deleting the opening post (author) deletes the thread.
    assert cc.delete(f"/v1/community/posts/{t['opening']['id']}", headers=alice["h"]).status_code == 204
    assert cc.get(f"/v1/community/threads/{tid}").status_code == 404


def test_search_tags_and_keyset_pages(cc: TestClient, admin_h: dict[str, str]) -> None:
    slug = space(cc, admin_h)
    alice, bob = new_user(cc), new_user(cc)
    word = f"zq{secrets.token_hex(4)}"
    ids = [thread(cc, alice, slug, title=f"Topic number {i}", tags=["t" + str(i % 2)])["id"] for i in range(5)]
    in_title = thread(cc, alice, slug, title=f"About {word} here")["id"]
    in_reply = thread(cc, alice, slug, title="Unrelated title")["id"]
    assert post(cc, bob, in_reply, f"the answer mentions {word} deep in a reply").status_code == 201
    found = cc.get(f"/v1/community/threads?q={word}").json()["items"]
    assert {t["id"] for t in found} == {in_title, in_reply}
    assert found[0]["id"] == in_reply  # the reply made it the most recently active
    tagged = cc.get(f"/v1/community/threads?space={slug}&tag=t1").json()["items"]
    assert {t["id"] for t in tagged} == {ids[1], ids[3]}
    seen: list[str] = []
    cursor = ""
    while True:
        page = cc.get(f"/v1/community/threads?space={slug}&limit=3&cursor={cursor}").json()
        seen += [t["id"] for t in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    assert seen == [in_reply, in_title, *reversed(ids)]
    assert cc.get("/v1/community/threads?cursor=bm9wZQ").status_code == 400
    for i in range(4):
        assert post(cc, bob, ids[0], f"reply {i}").status_code == 201
    first = cc.get(f"/v1/community/threads/{ids[0]}/posts?limit=3").json()
    rest = cc.get(f"/v1/community/threads/{ids[0]}/posts?limit=3&cursor={first['next_cursor']}").json()
    bodies = [p["body"] for p in first["items"] + rest["items"]]
    assert bodies == ["Opening text", "reply 0", "reply 1", "reply 2", "reply 3"] and rest["next_cursor"] is None


def test_bad_input_is_a_problem(cc: TestClient, admin_h: dict[str, str]) -> None:
    alice = new_user(cc)
    slug = space(cc, admin_h)
    for body in ({"space": slug, "title": "x", "body": "b"}, {"space": slug, "title": "Fine title", "body": ""},
                 {"space": slug, "title": "Fine title", "body": "b", "tags": ["Not A Tag"]}):
        r = cc.post("/v1/community/threads", json=body, headers=alice["h"])
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
    assert cc.post("/v1/community/threads", json={"space": "nope-nope", "title": "Fine title", "body": "b"},
                   headers=alice["h"]).status_code == 404
    t = thread(cc, alice, slug)
    other = thread(cc, alice, slug)
    r = post(cc, alice, t["id"], "x", reply_to=other["opening"]["id"])
    assert r.status_code == 422 and "reply_to" in r.json()["detail"]
    r = cc.patch(f"/v1/community/posts/{2**64}", json={"body": "x"}, headers=alice["h"])
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    long_link = {"title": "Long link", "starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T11:00:00Z",
                 "link": "https://example.com/" + "a" * 600}
    assert cc.post("/v1/community/events", json=long_link, headers=admin_h).status_code == 422
    far = {**long_link, "link": None, "starts_at": "9999-12-31T20:00:00-05:00", "ends_at": "9999-12-31T22:00:00-05:00"}
    assert cc.post("/v1/community/events", json=far, headers=admin_h).status_code == 422
    assert cc.post("/v1/community/spaces", json={"slug": slug, "name": "Again"}, headers=admin_h).status_code == 409
    assert cc.post("/v1/community/spaces", json={"slug": "gate-half", "name": "Half", "chain_id": 1},
                   headers=admin_h).status_code == 422
