"""Matching through the HTTP API on real PostgreSQL and Redis: explanations add up to the score, the lexical
ranker orders by skills and text, authorization per route, recompute jobs (admin and automatic), and
problem+json on bad input. No chain needed (projects on the native coin of anvil-1)."""

from __future__ import annotations

import math
import secrets
import uuid
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import Engine, text

from api.kit import queue as jobs
from api.matching import embeddings
from api.settings import ApiSettings
from tests.support.api_client import ADMIN, all_pages, bearer, login, login_with_2fa

ETH = 10**18


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, (r.status_code, r.text[:500])
    return r.json()


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()  # type: ignore[no-any-return]


def _work(api_settings: ApiSettings, redis_url: str) -> None:
    jobs.configure(api_settings)
    redis = Redis.from_url(redis_url)
    SimpleWorker([jobs.get_queue(api_settings, redis)], connection=redis).work(burst=True)


def _user_id(client: TestClient, headers: dict[str, str]) -> str:
    return str(_ok(client.get("/v1/me", headers=headers))["user_id"])


@pytest.fixture
def person(client: TestClient) -> Any:
    def make(bio: str = "", skills: dict[str, int] | None = None, freelancer: bool = True,
             time_zone: str = "UTC") -> dict[str, str]:
        headers = bearer(login(client, Account.create())["tokens"]["access_token"])
        handle = "m" + secrets.token_hex(5)
        _ok(client.patch("/v1/me/profile", headers=headers, json={
            "handle": handle, "display_name": handle, "bio": bio, "is_freelancer": freelancer,
            "is_client": not freelancer, "time_zone": time_zone}))
        for slug, level in (skills or {}).items():
            assert client.put(f"/v1/me/profile/skills/{slug}", headers=headers,
                              json={"level": level, "years": 2}).status_code == 204
        return headers
    return make


def _open_project(client: TestClient, headers: dict[str, str], state: str = "open", **extra: Any) -> dict[str, Any]:
    body = {"title": "Audit our lending vault", "description": "Review the Solidity vault for reentrancy bugs",
            "skills": ["solidity", "smart-contract-auditing"], "budget": str(5 * ETH), "chain": "anvil-1",
            "token": "native", **extra}
    project = _ok(client.post("/v1/projects", headers=headers, json=body), 201)
    if state == "open":
        _ok(client.post(f"/v1/projects/{project['id']}/transition", headers=headers, json={"to": "open"}))
    return project  # type: ignore[no-any-return]


def _assert_explained(page: dict[str, Any]) -> None:
    for item in page["items"]:
        assert set(item["parts"]) == {"skills", "verified", "text", "budget", "availability", "timezone",
                                      "reputation", "popularity"}
        assert math.isclose(sum(item["parts"].values()), item["score"], abs_tol=1e-9), item
        assert item["score"] > 0


@pytest.fixture
def market(client: TestClient, person: Any, api_settings: ApiSettings, redis_url: str) -> dict[str, Any]:
    """One client with an open project and four freelancers of decreasing fit; features computed by the
    jobs the profile and skill changes enqueued."""
    word = "zq" + secrets.token_hex(3)  # a word only these profiles and this project contain
    client_h = person(freelancer=False)
    best = person(bio=f"Solidity auditor, {word} vaults and reentrancy", skills={"solidity": 5, "smart-contract-auditing": 5})
    partial = person(bio="Frontend developer", skills={"solidity": 2})
    texty = person(bio=f"I write about {word} lending vaults", skills={"react": 4})
    other = person(bio="Bread and pastry", skills={"react": 5})
    project = _open_project(client, client_h, description=f"Review the Solidity {word} vault for reentrancy bugs")
    _work(api_settings, redis_url)
    ids = {name: _user_id(client, h) for name, h in
           (("best", best), ("partial", partial), ("texty", texty), ("other", other))}
    return {"client": client_h, "project": project, "ids": ids, "headers": {"best": best, "partial": partial,
            "texty": texty, "other": other}, "word": word}


def test_client_feed_lexical_ranks_by_skills_and_text_and_explains_each_score(client: TestClient,
                                                                               market: dict[str, Any]) -> None:
    page = _ok(client.get(f"/v1/matching/feed?project_id={market['project']['id']}&ranker=lexical&limit=100",
                          headers=market["client"]))
    assert page["ranker"] == "lexical" and page["kind"] == "freelancers"
    _assert_explained(page)
    ids = market["ids"]
    mine = [i["id"] for i in page["items"] if i["id"] in ids.values()]
    # The unrelated freelancer shares neither a skill nor a word: not a candidate at all.
    assert ids["other"] not in mine
    by_id = {i["id"]: i for i in page["items"]}
    assert by_id[ids["best"]]["score"] > by_id[ids["partial"]]["score"]
    assert by_id[ids["best"]]["score"] > by_id[ids["texty"]]["score"]
    assert by_id[ids["best"]]["parts"]["skills"] > by_id[ids["partial"]]["parts"]["skills"] > 0
    assert by_id[ids["texty"]]["parts"]["text"] > 0 and by_id[ids["texty"]]["parts"]["skills"] == 0
    assert sorted(by_id[ids["best"]]["freelancer"]["skills"]) == ["smart-contract-auditing", "solidity"]
    ranked = [i for i in page["items"] if i["slot"] == "ranked"]
    assert [i["score"] for i in ranked] == sorted((i["score"] for i in ranked), reverse=True)


def test_freelancer_feed_shows_open_visible_projects_best_first(client: TestClient, market: dict[str, Any],
                                                                person: Any) -> None:
    client_h = market["client"]
    draft = _open_project(client, client_h, state="draft", title="Draft vault audit")
    hidden = _open_project(client, client_h, visibility="invite_only", title="Private vault audit")
    unrelated = _open_project(client, client_h, title="Bakery website", description="A site for a bakery",
                              skills=["react"])
    page = _ok(client.get("/v1/matching/feed?ranker=lexical&limit=100", headers=market["headers"]["best"]))
    assert page["kind"] == "projects" and page["ranker"] == "lexical"
    _assert_explained(page)
    ids = [i["id"] for i in page["items"]]
    assert market["project"]["id"] in ids and draft["id"] not in ids and hidden["id"] not in ids
    scores = {i["id"]: i["score"] for i in page["items"]}
    assert scores[market["project"]["id"]] > scores.get(unrelated["id"], 0.0)
    # Filters: a chain the project is not on, and a skill it lacks.
    assert market["project"]["id"] not in [i["id"] for i in _ok(client.get(
        "/v1/matching/feed?ranker=lexical&skills=python", headers=market["headers"]["best"]))["items"]]
    # Keyset pages: following next_cursor gives every item once, in the same order.
    everything = all_pages(client, "/v1/matching/feed?ranker=lexical&limit=100", market["headers"]["best"])
    paged = all_pages(client, "/v1/matching/feed?ranker=lexical&limit=2", market["headers"]["best"])
    assert [i["id"] for i in paged] == [i["id"] for i in everything]


def test_authorization_freelancer_client_other_and_no_credentials(client: TestClient, market: dict[str, Any],
                                                                  person: Any) -> None:
    url = f"/v1/matching/feed?project_id={market['project']['id']}"
    _problem(client.get(url), 401)
    _problem(client.get("/v1/matching/feed"), 401)
    _problem(client.get(url, headers={"Authorization": "Bearer nope"}), 401)
    _ok(client.get(url, headers=market["client"]))                             # the project's client
    _problem(client.get(url, headers=market["headers"]["best"]), 403)          # a freelancer, not its manager
    stranger = person(freelancer=False)
    _problem(client.get(url, headers=stranger), 403)                           # another user
    assert _problem(client.get("/v1/matching/feed", headers=stranger), 409)["type"] == "/problems/not-a-freelancer"
    draft = _open_project(client, market["client"], state="draft")
    _problem(client.get(f"/v1/matching/feed?project_id={draft['id']}", headers=stranger), 404)  # not visible
    _problem(client.get(f"/v1/matching/feed?project_id={uuid.uuid4()}", headers=market["client"]), 404)
    _ok(client.get("/v1/matching/feed", headers=market["headers"]["partial"]))  # a freelancer's own feed
    # A new freelancer whose recompute job has not run yet: the first feed computes the features inline.
    newcomer = person(bio="Solidity developer", skills={"solidity": 3})
    first = _ok(client.get("/v1/matching/feed?limit=100", headers=newcomer))
    assert first["ranker"] == "lexical"  # no vector before the job ran
    assert market["project"]["id"] in [i["id"] for i in first["items"]]
    # Recompute is for admins (with 2FA).
    _problem(client.post("/v1/matching/recompute"), 401)
    _problem(client.post("/v1/matching/recompute", headers=market["client"]), 403)
    _problem(client.get(f"/v1/matching/recompute/{uuid.uuid4()}", headers=market["client"]), 403)


def test_bad_input_is_problem_json(client: TestClient, market: dict[str, Any]) -> None:
    best, c, pid = market["headers"]["best"], market["client"], market["project"]["id"]
    _problem(client.get("/v1/matching/feed?cursor=bm90LWEtY3Vyc29y", headers=best), 400)
    _problem(client.get("/v1/matching/feed?cursor=WzEsMiwzXQ", headers=best), 400)  # [1,2,3]: wrong shape
    assert "unknown skill" in _problem(client.get("/v1/matching/feed?skills=nope", headers=best), 422)["detail"]
    _problem(client.get(f"/v1/matching/feed?project_id={pid}&min_budget=5", headers=c), 422)
    _problem(client.get("/v1/matching/feed?availability=available", headers=best), 422)
    _problem(client.get("/v1/matching/feed?min_budget=9&max_budget=1", headers=best), 422)
    _problem(client.get("/v1/matching/feed?min_budget=-1", headers=best), 422)
    _problem(client.get("/v1/matching/feed?chain=nochain", headers=best), 422)
    _problem(client.get("/v1/matching/feed?project_id=not-a-uuid", headers=c), 422)
    _problem(client.get("/v1/matching/feed?limit=0", headers=best), 422)
    _problem(client.get("/v1/matching/feed?ranker=magic", headers=best), 422)
    _problem(client.get(f"/v1/matching/feed?project_id={pid}&min_reputation=101", headers=c), 422)


def test_recompute_job_reports_progress_and_profile_changes_recompute(
        client: TestClient, market: dict[str, Any], api_settings: ApiSettings, redis_url: str, engine: Engine) -> None:
    admin = bearer(login_with_2fa(client, ADMIN)["access_token"])
    run = _ok(client.post("/v1/matching/recompute", headers=admin), 202)
    assert run["status"] == "queued" and run["scope"] == "all"
    _problem(client.get(f"/v1/matching/recompute/{uuid.uuid4()}", headers=admin), 404)
    _work(api_settings, redis_url)
    done = _ok(client.get(f"/v1/matching/recompute/{run['id']}", headers=admin))
    assert done["status"] == "done" and done["progress"] == 1.0 and done["total"] >= 4 and done["finished_at"]
    with engine.connect() as conn:
        count = conn.scalar(text("SELECT count(*) FROM match_freelancers WHERE user_id = ANY(:ids)"),
                            {"ids": [uuid.UUID(i) for i in market["ids"].values()]})
    assert count == 4
    # A profile change enqueues the freelancer's recompute; the worker applies it.
    other = market["headers"]["other"]
    _ok(client.patch("/v1/me/profile", headers=other, json={"bio": f"Now a {market['word']} solidity reviewer"}))
    queued = [j.func_name for j in jobs.get_queue(api_settings, Redis.from_url(redis_url)).get_jobs()]
    assert "api.matching.jobs.recompute_freelancer" in queued
    _work(api_settings, redis_url)
    page = _ok(client.get(f"/v1/matching/feed?project_id={market['project']['id']}&ranker=lexical&limit=100",
                          headers=market["client"]))
    assert market["ids"]["other"] in [i["id"] for i in page["items"]]
    # No longer a freelancer: the recompute removes the features, and the feed with them.
    _ok(client.patch("/v1/me/profile", headers=other, json={"is_freelancer": False}))
    _work(api_settings, redis_url)
    page = _ok(client.get(f"/v1/matching/feed?project_id={market['project']['id']}&ranker=lexical&limit=100",
                          headers=market["client"]))
    assert market["ids"]["other"] not in [i["id"] for i in page["items"]]


def test_new_client_gets_popular_verified_freelancers(client: TestClient, market: dict[str, Any],
                                                      engine: Engine) -> None:
    """Cold start: a client who never hired sees freelancers verified in the project's skills, by popularity,
    even without skill or text overlap (here: a verified Solidity expert whose profile lists only React)."""
    other = uuid.UUID(market["ids"]["other"])
    with engine.begin() as conn:
        solidity = conn.scalar(text("SELECT id FROM skills WHERE slug = 'solidity'"))
        conn.execute(text("UPDATE match_freelancers SET verified_skill_ids = :v, completed = 12, reputation = 80, "
                          "is_new = false WHERE user_id = :u"), {"v": [solidity], "u": other})
    page = _ok(client.get(f"/v1/matching/feed?project_id={market['project']['id']}&ranker=lexical&limit=100",
                          headers=market["client"]))
    _assert_explained(page)
    item = next(i for i in page["items"] if i["id"] == str(other))
    assert item["parts"]["popularity"] > 0 and item["parts"]["verified"] > 0 and item["parts"]["skills"] == 0
    assert item["freelancer"]["verified_skills"] == ["solidity"] and item["freelancer"]["is_new"] is False
    verified = _ok(client.get(f"/v1/matching/feed?project_id={market['project']['id']}&ranker=lexical&limit=100"
                              "&verified_only=true", headers=market["client"]))
    assert [i["id"] for i in verified["items"] if i["id"] in market["ids"].values()] == [str(other)]


@pytest.mark.skipif(not embeddings.available(), reason="the matching extra (sentence-transformers, model) is not installed")
def test_embedding_ranker_answers_when_the_model_is_installed(client: TestClient, market: dict[str, Any]) -> None:
    """With the extra installed the jobs stored vectors, and the feed says the embedding ranker answered:
    the text part is the cosine of the model's vectors, so the auditor is nearer the audit project than the baker."""
    page = _ok(client.get(f"/v1/matching/feed?project_id={market['project']['id']}&ranker=embedding&limit=100",
                          headers=market["client"]))
    assert page["ranker"] == "embedding"
    _assert_explained(page)
    by_id = {i["id"]: i for i in page["items"]}
    ids = market["ids"]
    assert ids["other"] in by_id  # no shared skill or word: found by the vectors alone
    assert by_id[ids["best"]]["parts"]["text"] > by_id[ids["other"]]["parts"]["text"] >= 0
    assert by_id[ids["best"]]["parts"]["text"] > by_id[ids["partial"]]["parts"]["text"]
    mine = _ok(client.get("/v1/matching/feed?ranker=embedding&limit=100", headers=market["headers"]["best"]))
    assert mine["ranker"] == "embedding"
    _assert_explained(mine)
    assert market["project"]["id"] in [i["id"] for i in mine["items"]]


def test_routes_are_absent_when_matching_is_off(settings_factory: Any, person: Any) -> None:
    from api.app import create_app

    with TestClient(create_app(settings_factory(enable_matching=False)), raise_server_exceptions=False) as off:
        h = bearer(login(off, Account.create())["tokens"]["access_token"])
        assert _problem(off.get("/v1/matching/feed", headers=h), 404)["type"] == "/problems/not-found"
        _problem(off.get("/v1/matching/feed"), 404)
        _problem(off.post("/v1/matching/recompute"), 404)
        assert not [p for p in off.get("/openapi.json").json()["paths"] if p.startswith("/v1/matching")]
