"""Dashboards without a chain (projects on anvil-1's native coin): who may read which screen, what the
screens hold, that a change to the user's data is never answered from the cache, and that the number of
SQL statements per summary stays the same as the user's rows grow (no N+1)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.support.api_client import ADMIN, bearer, login_with_2fa
from tests.support.notify_env import new_user
from tests.support.queries import count_queries, is_session_check
from tests.support.webhook_env import emit

ETH = 10**18


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, (r.status_code, r.text[:500])
    return r.json()


def _profile(client: TestClient, headers: dict[str, str], **flags: bool) -> str:
    handle = f"u{secrets.token_hex(5)}"
    _ok(client.patch("/v1/me/profile", headers=headers, json={"handle": handle, "display_name": handle, **flags}))
    return handle


def _project(client: TestClient, headers: dict[str, str], title: str, *, open_: bool = True) -> str:
    p = _ok(client.post("/v1/projects", headers=headers, json={
        "title": title, "description": "Build it", "skills": ["solidity"], "budget": str(ETH),
        "chain": "anvil-1", "token": "native"}), 201)
    if open_:
        _ok(client.post(f"/v1/projects/{p['id']}/transition", headers=headers, json={"to": "open"}))
    return str(p["id"])


def _propose(client: TestClient, headers: dict[str, str], project_id: str) -> str:
    return str(_ok(client.post(f"/v1/projects/{project_id}/proposals", headers=headers, json={
        "cover_letter": "me", "milestones": [{"title": "All", "amount": str(ETH)}]}), 201)["id"])


def _pair(client: TestClient) -> tuple[tuple[uuid.UUID, dict[str, str]], tuple[uuid.UUID, dict[str, str]]]:
    buyer = new_user(client)
    seller = new_user(client)
    _profile(client, buyer[1], is_client=True)
    _profile(client, seller[1], is_freelancer=True)
    assert client.put("/v1/me/profile/skills/solidity", headers=seller[1], json={"level": 4}).status_code == 204
    return buyer, seller


def test_who_may_read_which_dashboard(client: TestClient) -> None:
    (_, user_h), _ = _pair(client)
    for path in ("/v1/dashboard/freelancer", "/v1/dashboard/client", "/v1/dashboard/admin"):
        r = client.get(path)
        assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json"), path
    assert client.get("/v1/dashboard/freelancer", headers=user_h).status_code == 200
    assert client.get("/v1/dashboard/client", headers=user_h).status_code == 200
    r = client.get("/v1/dashboard/admin", headers=user_h)
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    admin_h = bearer(login_with_2fa(client, ADMIN)["access_token"])
    body = _ok(client.get("/v1/dashboard/admin", headers=admin_h))
    assert body["users_total"] >= 2 and body["active_users_30d"] >= 1
    assert {c["chain_id"] for c in body["indexer"]} >= set()  # shape: per-chain lag (chains indexed or not)


def _matching_jobs(client: TestClient) -> None:
    from redis import Redis
    from rq import SimpleWorker

    from api.kit import queue as jobs

    settings = client.app.state.settings  # type: ignore[attr-defined]
    jobs.configure(settings)
    redis = Redis.from_url(settings.redis_url_or_default)
    try:
        SimpleWorker([jobs.get_queue(settings, redis)], connection=redis).work(burst=True, logging_level="WARNING")
    finally:
        redis.close()


def test_screens_hold_the_users_own_data_and_are_never_stale(client: TestClient) -> None:
    (buyer, buyer_h), (seller, seller_h) = _pair(client)
    _, other_h = new_user(client)
    project = _project(client, buyer_h, "Solidity audit")
    draft = _project(client, buyer_h, "Later", open_=False)
    _matching_jobs(client)  # what the worker does after each profile, skill and project change
    before = _ok(client.get("/v1/dashboard/freelancer", headers=seller_h))
    assert project in [m["id"] for m in before["matched_projects"]] and draft not in [
        m["id"] for m in before["matched_projects"]]
    assert before["skills"] == [{"slug": "solidity", "level": 4, "verified": False, "verified_level": None}]
    assert before["tasks"] == []
    # A proposal (an outbox event to both) changes both screens at once, though they were cached.
    proposal = _propose(client, seller_h, project)
    after = _ok(client.get("/v1/dashboard/freelancer", headers=seller_h))
    assert after["tasks"] == [{"kind": "proposal_awaiting_answer", "ref": f"proposal:{proposal}",
                               "title": "Solidity audit", "due_at": None}]
    cl = _ok(client.get("/v1/dashboard/client", headers=buyer_h))
    assert cl["pipeline"]["counts"]["open"] == 1 and cl["pipeline"]["counts"]["draft"] == 1
    assert [p["id"] for p in cl["pipeline"]["recent"]["open"]] == [project]
    assert cl["recommended_for"] == project
    # The matching feed's best freelancers for the project (others share the database, so which ones
    # is the ranker's business), never the client.
    recommended = [f["user_id"] for f in cl["recommended_freelancers"]]
    feed = _ok(client.get(f"/v1/matching/feed?project_id={project}&limit={len(recommended)}", headers=buyer_h))
    assert recommended and recommended == [i["id"] for i in feed["items"]]
    assert str(buyer) not in recommended
    # Messages: unread on the client's screen, then read (no outbox event) and gone.
    conv = _ok(client.post("/v1/conversations", json={"user_id": str(buyer)}, headers=seller_h))
    msg = _ok(client.post(f"/v1/conversations/{conv['id']}/messages", json={"body": "hi"}, headers=seller_h), 201)
    assert _ok(client.get("/v1/dashboard/client", headers=buyer_h))["unread_messages"] == 1
    _ok(client.post(f"/v1/conversations/{conv['id']}/read", json={"up_to": msg["id"]}, headers=buyer_h))
    assert _ok(client.get("/v1/dashboard/client", headers=buyer_h))["unread_messages"] == 0
    # Nobody else's data leaks into a stranger's screens.
    stranger = _ok(client.get("/v1/dashboard/client", headers=other_h))
    assert stranger["pipeline"]["counts"]["open"] == 0 and stranger["unread_messages"] == 0


def test_an_unchanged_screen_is_served_from_the_cache(client: TestClient, api_settings: Any) -> None:
    _, (_, seller_h) = _pair(client)
    first = client.get("/v1/dashboard/freelancer", headers=seller_h)
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with count_queries(engine) as warm:
        again = client.get("/v1/dashboard/freelancer", headers=seller_h)
    assert again.json() == first.json() and again.headers["etag"] == first.headers["etag"]
    assert warm.count <= 4, str(warm)  # auth, the index and data versions; no summary query
    r = client.get("/v1/dashboard/freelancer", headers={**seller_h, "If-None-Match": first.headers["etag"]})
    assert r.status_code == 304


def _cold_count(client: TestClient, engine: Engine, user: uuid.UUID, path: str, headers: dict[str, str]) -> int:
    """Statements of one request whose cache entry cannot exist: an event to the user bumps their version."""
    emit(engine, "test.bump", f"user:{user}", {}, [user])
    with count_queries(engine) as q:
        _ok(client.get(path, headers=headers))
    # Time-based refreshes (the index version in api.kit.cache, feature overrides) are not the summary's, nor
    # the session check (skipped while this process remembers the token: api.identity.sessioncache).
    return len([x for x in q.statements if "string_agg(chain_id" not in x and "feature_overrides" not in x
                and not is_session_check(x)])


def test_statement_count_does_not_grow_with_rows(client: TestClient) -> None:
    (buyer, buyer_h), (seller, seller_h) = _pair(client)
    engine = client.app.state.engine  # type: ignore[attr-defined]

    def grow(n: int) -> None:
        for i in range(n):
            project = _project(client, buyer_h, f"Job {secrets.token_hex(3)} {i}")
            _propose(client, seller_h, project)
        _project(client, buyer_h, f"Draft {secrets.token_hex(3)}", open_=False)
        conv = _ok(client.post("/v1/conversations", json={"user_id": str(seller)}, headers=buyer_h))
        for _ in range(n):
            _ok(client.post(f"/v1/conversations/{conv['id']}/messages", json={"body": "x"}, headers=buyer_h), 201)

    screens: list[tuple[uuid.UUID, str, dict[str, str]]] = [
        (seller, "/v1/dashboard/freelancer", seller_h), (buyer, "/v1/dashboard/client", buyer_h)]
    grow(1)
    for user, path, h in screens:
        _cold_count(client, engine, user, path, h)  # warm-up: first-use look-ups
    small = [_cold_count(client, engine, u, p, h) for u, p, h in screens]
    grow(6)
    large = [_cold_count(client, engine, u, p, h) for u, p, h in screens]
    assert large == small, (small, large)
    assert all(n <= 25 for n in large), large
    body = _ok(client.get("/v1/dashboard/freelancer", headers=seller_h))
    assert len(body["tasks"]) == 7 and body["unread_messages"] == 7


def test_the_reputation_shown_is_the_recent_persisted_score(client: TestClient, engine: Engine) -> None:
    """The freelancer screen shows the newest persisted score (the sweep's) while it is younger than the live
    cache's TTL, and computes the score live otherwise: no old number, no recomputation per index move."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from api.reputation import service as reputation
    from api.reputation.formula import FORMULA_VERSION
    from api.reputation.models import ReputationScore

    user, headers = new_user(client)
    state = client.app.state  # type: ignore[attr-defined]
    with engine.connect() as conn:
        address = conn.execute(text("SELECT address FROM user_wallets WHERE user_id = :u"), {"u": user}).scalar_one()
    with Session(engine) as db:
        live = reputation.reputation(db, engine, state.redis, state.settings, address).score
        row = ReputationScore(user_id=user, address=address, score=live + 12.5, breakdown={},
                              formula_version=FORMULA_VERSION, data_version="test", updated_at=datetime.now(UTC))
        db.add(row)
        db.commit()
        assert _ok(client.get("/v1/dashboard/freelancer", headers=headers))["reputation_score"] == live + 12.5
        row.updated_at = datetime.now(UTC) - timedelta(seconds=state.settings.reputation_cache_ttl_seconds + 60)
        db.commit()
        assert reputation.recent_score(db, engine, state.redis, state.settings, address) == live
        row.updated_at, row.formula_version = datetime.now(UTC), "an-older-formula"
        db.commit()
        assert reputation.recent_score(db, engine, state.redis, state.settings, address) == live


def test_matched_projects_stand_in_equals_the_exhaustive_ranking(client: TestClient, engine: Engine) -> None:
    """The skill-overlap stand-in (users without matching features) finds pairs through GIN and the newest
    single-skill projects through a narrow index; it must rank exactly as scoring every open public project
    that shares a skill would (shared skills, then newest, then id), for one, a few and many skills."""
    import random

    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from api.dashboard import feed

    rng = random.Random(5)
    (buyer, _), (seller, _) = _pair(client)
    reference = """
        WITH mine AS (SELECT coalesce(array_agg(skill_id), '{}') AS ids FROM user_skills WHERE user_id = :u)
        SELECT p.id, (SELECT count(*) FROM unnest(p.skill_ids) s WHERE s = ANY(mine.ids)) AS score
          FROM projects p, mine
         WHERE p.state = 'open' AND p.visibility = 'public' AND p.client_user_id <> :u AND p.skill_ids && mine.ids
         ORDER BY score DESC, p.created_at DESC, p.id DESC LIMIT :n"""
    with engine.connect() as conn, conn.begin() as tx:  # everything rolled back at the end
        skills = list(conn.execute(text("SELECT id FROM skills ORDER BY id LIMIT 12")).scalars())
        for i in range(60):
            conn.execute(text("""
                INSERT INTO projects (id, client_user_id, title, description, skill_ids, budget, chain_id, token,
                                      milestones, visibility, invitees, state, attachments, created_at, updated_at)
                VALUES (gen_random_uuid(), :c, :t, '', :s, 1, 31337, :z, '[]', :v, '{}', :st, '[]',
                        now() - make_interval(mins => :m), now())"""),
                         {"c": buyer if i % 7 else seller, "t": f"p{i}", "s": rng.sample(skills, rng.randint(1, 4)),
                          "z": "0x" + "00" * 20, "v": "public" if i % 9 else "invite_only",
                          "st": "open" if i % 5 else "draft", "m": rng.choice([i, 30])})  # some equal times
        db = Session(bind=conn, join_transaction_mode="create_savepoint")
        for mine in (skills[:1], skills[:3], skills[:10]):  # 10 skills: the single-pass path
            conn.execute(text("DELETE FROM user_skills WHERE user_id = :u"), {"u": seller})
            for k in mine:
                conn.execute(text("INSERT INTO user_skills (user_id, skill_id, level, years) VALUES (:u, :k, 3, 1)"),
                             {"u": seller, "k": k})
            for n in (1, 3, 10):
                got = [(m.id, m.score) for m in feed._top_projects_for_freelancer(db, seller, n)]
                want = [(r.id, float(r.score)) for r in conn.execute(text(reference), {"u": seller, "n": n})]
                assert got == want and len(want) == n, (len(mine), n)
        tx.rollback()
