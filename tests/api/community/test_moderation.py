"""Moderation (reports, hide/unhide, lock, ban: all audited), held first posts, anti-spam rate, token gates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, insert, text

from indexer import models as chain
from tests.api.community.conftest import GATE_CHAIN, LNC, new_user
from tests.api.community.test_threads import post, space, thread
from tests.support.api_client import ADMIN, bearer, login_with_2fa


def _audit(engine: Engine, target: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT action FROM audit_events WHERE target = :t ORDER BY id"), {"t": target}).scalars())


def test_reports_hide_lock_ban_are_moderator_only_and_audited(cc: TestClient, admin_h: dict[str, str],
                                                               engine: Engine) -> None:
    slug = space(cc, admin_h)
    alice, bob, mod = new_user(cc), new_user(cc), new_user(cc)
    t = thread(cc, alice, slug)
    bad = post(cc, bob, t["id"], "spam spam").json()
    r = cc.post(f"/v1/community/posts/{bad['id']}/reports", json={"reason": "spam"}, headers=alice["h"])
    assert r.status_code == 201
    report_id = r.json()["id"]
    # Not a moderator yet: every moderation route is a 403.
    for method, url, body in [("GET", "/v1/community/moderation/reports", None),
                              ("POST", f"/v1/community/moderation/reports/{report_id}", {"status": "resolved"}),
                              ("POST", f"/v1/community/moderation/posts/{bad['id']}/hide", None),
                              ("POST", f"/v1/community/moderation/threads/{t['id']}/lock", None),
                              ("PUT", f"/v1/community/moderation/bans/{bob['id']}", {"reason": "spamming"}),
                              ("GET", "/v1/community/moderation/bans", None)]:
        assert cc.request(method, url, json=body, headers=mod["h"]).status_code == 403, url
    # Only an admin names moderators.
    assert cc.put(f"/v1/admin/community/moderators/{mod['id']}", headers=mod["h"]).status_code == 403
    assert cc.put(f"/v1/admin/community/moderators/{mod['id']}", headers=admin_h).status_code == 204
    # The queue shows the reported post itself (rendered and sanitised), so nobody has to open the thread.
    queued = {x["id"]: x for x in cc.get("/v1/community/moderation/reports", headers=mod["h"]).json()["items"]}
    assert queued[report_id]["post"] == {"thread_id": t["id"], "author_id": bob["id"], "html": "<p>spam spam</p>\n",
                                        "state": "published"}
    assert cc.post(f"/v1/community/moderation/posts/{bad['id']}/hide", json={"reason": "spam"}, headers=mod["h"]).status_code == 204
    listed = [p["id"] for p in cc.get(f"/v1/community/threads/{t['id']}/posts").json()["items"]]
    assert bad["id"] not in listed  # hidden from the public...
    assert bad["id"] in [p["id"] for p in cc.get(f"/v1/community/threads/{t['id']}/posts", headers=mod["h"]).json()["items"]]
    assert cc.post(f"/v1/community/moderation/reports/{report_id}", json={"status": "resolved"},
                   headers=mod["h"]).json()["status"] == "resolved"
    # Lock: the author cannot reply any more, a moderator still can.
    assert cc.post(f"/v1/community/moderation/threads/{t['id']}/lock", headers=mod["h"]).status_code == 204
    assert post(cc, alice, t["id"], "late").status_code == 409
    assert post(cc, mod, t["id"], "closing note").status_code == 201
    assert cc.post(f"/v1/community/moderation/threads/{t['id']}/unlock", headers=mod["h"]).status_code == 204
    # Ban: no posting, reacting or reporting; lifting it restores posting.
    assert cc.put(f"/v1/community/moderation/bans/{bob['id']}", json={"reason": "spamming"}, headers=mod["h"]).status_code == 204
    r = post(cc, bob, t["id"], "again")
    assert r.status_code == 403 and r.json()["type"].endswith("community-banned")
    bans = cc.get("/v1/community/moderation/bans", headers=mod["h"]).json()["items"]
    assert [(b["user_id"], b["reason"], b["banned_by"], b["expires_at"]) for b in bans if b["user_id"] == bob["id"]] == [
        (bob["id"], "spamming", mod["id"], None)]
    assert cc.put(f"/v1/community/moderation/bans/{mod['id']}", json={"reason": "coup"}, headers=mod["h"]).status_code == 422
    assert cc.delete(f"/v1/community/moderation/bans/{bob['id']}", headers=mod["h"]).status_code == 204
    assert bob["id"] not in [b["user_id"] for b in cc.get("/v1/community/moderation/bans", headers=mod["h"]).json()["items"]]
    assert post(cc, bob, t["id"], "sorry").status_code == 201
    assert _audit(engine, f"community_post:{bad['id']}") == ["community.post.hide"]
    assert _audit(engine, f"community_thread:{t['id']}") == ["community.thread.lock", "community.thread.unlock"]
    assert _audit(engine, f"user:{bob['id']}") == ["community.ban", "community.unban"]
    assert _audit(engine, f"community_report:{report_id}") == ["community.report.resolved"]
    assert _audit(engine, f"user:{mod['id']}") == ["community.moderator.grant"]


def test_first_posts_of_new_accounts_are_held(make_client: Callable[..., TestClient], engine: Engine) -> None:
    with make_client(community_hold_new_account_hours=24) as c:
        admin = bearer(login_with_2fa(c, ADMIN)["access_token"])
        slug = space(c, admin)
        newbie, reader = new_user(c), new_user(c)
        t = thread(c, newbie, slug, title="My first thread")
        assert t["state"] == "held"
        # Nobody else sees it; its author does.
        assert c.get(f"/v1/community/threads/{t['id']}", headers=reader["h"]).status_code == 404
        assert c.get(f"/v1/community/threads/{t['id']}", headers=newbie["h"]).json()["state"] == "held"
        assert t["id"] not in [x["id"] for x in c.get(f"/v1/community/threads?space={slug}").json()["items"]]
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM outbox_events WHERE subject = :s"),
                                {"s": f"community_thread:{t['id']}"}).scalar_one() == 0
        # A moderator approves it (unhide); then it is public and the account's next posts are not held.
        assert c.post(f"/v1/community/moderation/posts/{t['opening']['id']}/unhide", headers=admin).status_code == 204
        assert c.get(f"/v1/community/threads/{t['id']}").json()["state"] == "published"
        assert post(c, newbie, t["id"], "second post").json()["state"] == "published"
        assert _audit(engine, f"community_post:{t['opening']['id']}") == ["community.post.approve"]
        # An old account is never held.
        with engine.begin() as conn:
            conn.execute(text("UPDATE users SET created_at = now() - interval '2 days' WHERE id = :u"), {"u": reader["id"]})
        assert thread(c, reader, slug)["state"] == "published"


def test_posting_rate_limit(make_client: Callable[..., TestClient]) -> None:
    with make_client(community_posts_per_minute=3) as c:
        admin = bearer(login_with_2fa(c, ADMIN)["access_token"])
        slug = space(c, admin)
        spammer, other = new_user(c), new_user(c)
        t = thread(c, spammer, slug)
        codes = [post(c, spammer, t["id"], f"buy {i}").status_code for i in range(4)]
        assert codes == [201, 201, 429, 429]
        r = post(c, spammer, t["id"], "more")
        assert r.json()["type"].endswith("rate-limited") and int(r.headers["Retry-After"]) >= 1
        assert post(c, other, t["id"], "a normal reply").status_code == 201  # per user, not global


def test_token_gated_space_reads_confirmed_lnc_from_the_index(cc: TestClient, admin_h: dict[str, str],
                                                               engine: Engine) -> None:
    slug = space(cc, admin_h, chain_id=GATE_CHAIN, min_balance="1000000000000000000")
    rich, poor, unlinked = new_user(cc), new_user(cc), new_user(cc)
    body = {"space": slug, "title": "Holders only", "body": "gm"}
    # The chain is not indexed yet: a 409, never a 500 or a silent pass.
    assert cc.post("/v1/community/threads", json=body, headers=rich["h"]).status_code == 409
    with engine.begin() as conn:
        conn.execute(delete(chain.token_balances).where(chain.token_balances.c.chain_id == GATE_CHAIN))
        conn.execute(delete(chain.chains).where(chain.chains.c.chain_id == GATE_CHAIN))
        conn.execute(insert(chain.chains).values(chain_id=GATE_CHAIN, name="gate", block_number=100, start_block=0,
                                                 confirmed_block=100, updated_at=datetime.now(UTC)))
        conn.execute(insert(chain.token_balances), [
            {"chain_id": GATE_CHAIN, "token": LNC, "holder": rich["account"].address, "balance": 10**18, "block_number": 50},
            {"chain_id": GATE_CHAIN, "token": LNC, "holder": poor["account"].address, "balance": 10**18 - 1, "block_number": 50},
        ])
    try:
        assert cc.post("/v1/community/threads", json=body, headers=rich["h"]).status_code == 201
        r = cc.post("/v1/community/threads", json=body, headers=poor["h"])
        assert r.status_code == 403 and r.json()["required"] == "1000000000000000000"
        assert r.json()["balance"] == str(10**18 - 1)
        assert cc.post("/v1/community/threads", json=body, headers=unlinked["h"]).status_code == 403
    finally:  # the session database is shared: leave no fake chain behind for other tests
        with engine.begin() as conn:
            conn.execute(delete(chain.token_balances).where(chain.token_balances.c.chain_id == GATE_CHAIN))
            conn.execute(delete(chain.chains).where(chain.chains.c.chain_id == GATE_CHAIN))
    gated = [s for s in cc.get("/v1/community/spaces").json() if s["slug"] == slug][0]
    assert gated["min_balance"] == "1000000000000000000" and gated["decimals"] == 18 and gated["chain_id"] == GATE_CHAIN


def test_ban_can_expire(cc: TestClient, admin_h: dict[str, str]) -> None:
    bob = new_user(cc)
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert cc.put(f"/v1/community/moderation/bans/{bob['id']}", json={"reason": "x" * 3, "expires_at": past},
                  headers=admin_h).status_code == 422
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert cc.put(f"/v1/community/moderation/bans/{bob['id']}", json={"reason": "cool off", "expires_at": soon},
                  headers=admin_h).status_code == 204
    slug = space(cc, admin_h)
    r = cc.post("/v1/community/threads", json={"space": slug, "title": "Title here", "body": "b"}, headers=bob["h"])
    assert r.status_code == 403 and r.json()["until"] is not None




def test_bans_list_pages_and_drops_expired(cc: TestClient, admin_h: dict[str, str], engine: Engine) -> None:
    users = [new_user(cc) for _ in range(3)]
    for u in users:
        assert cc.put(f"/v1/community/moderation/bans/{u['id']}", json={"reason": "page me"}, headers=admin_h).status_code == 204
    # One ban ran out: it no longer counts, so it is not listed.
    with engine.begin() as conn:
        conn.execute(text("UPDATE community_bans SET expires_at = now() - interval '1 minute' WHERE user_id = :u"),
                     {"u": users[0]["id"]})
    seen: list[str] = []
    cursor = None
    while True:
        page = cc.get("/v1/community/moderation/bans", params={"limit": 1, **({"cursor": cursor} if cursor else {})},
                      headers=admin_h).json()
        seen += [b["user_id"] for b in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert users[0]["id"] not in seen and {users[1]["id"], users[2]["id"]} <= set(seen)
    assert len(seen) == len(set(seen))
    r = cc.get("/v1/community/moderation/bans", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=admin_h)
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
