"""`lancer bench search`'s COPY generator makes rows the API serves: search, filters and pages work on them."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from bench.loadgen import MixResult
from bench.search import SearchBench, populate


def test_generated_projects_are_searchable(database_factory: Callable[[str], str], redis_url: str,
                                           redis_prefix: str) -> None:
    url = database_factory("bench_search")
    vocabulary = populate(url, projects=300, users=40)
    settings = ApiSettings(database_url=url, redis_url=redis_url, redis_key_prefix=f"{redis_prefix}bs:",
                           environment="test", jwt_keys=json.dumps({"k1": secrets.token_urlsafe(48)}),
                           jwt_active_kid="k1", ratelimit_enabled=False, _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as c:
        first = c.get("/v1/projects", params={"limit": 20})
        assert first.status_code == 200 and len(first.json()["items"]) == 20 and first.json()["next_cursor"]
        assert all(p["state"] != "draft" and p["client"] for p in first.json()["items"])
        found = c.get("/v1/projects", params={"q": "audit", "min_budget": str(10**20), "limit": 50}).json()["items"]
        assert found and all(int(p["budget"]) >= 10**20 for p in found)
        by_skill = c.get("/v1/projects", params={"skills": vocabulary["skills"][0], "limit": 50}).json()["items"]
        assert by_skill and all(vocabulary["skills"][0] in p["skills"] for p in by_skill)
        assert c.get("/v1/projects", params={"chain": vocabulary["chains"][0], "state": "open"}).status_code == 200


def test_report_states_the_goal_and_the_cpu_shares() -> None:
    result = MixResult(requests=12_000, errors=0, seconds=20.0, p50_ms=8.0, p99_ms=30.0, cpu_share=0.2,
                       per_path_p99_ms={"/v1/projects?limit=20": 30.0})
    text = SearchBench(100_000, 20_000, 16, 20, result, 0.95, (0.1, 0.2, 0.3)).report()
    assert "600 req/s" in text and "goal (p99 < 50 ms and >= 500 req/s): met" in text
    assert "load generator 20% of one core, API process 95% of one core" in text


def test_distinct_queries_are_new_valid_searches() -> None:
    from urllib.parse import parse_qs, urlparse

    from bench.search import WORDS, distinct_queries, label

    vocabulary = {"skills": ["solidity", "react", "python"], "chains": ["ethereum", "polygon"]}
    paths = distinct_queries(vocabulary, 2_000, mine=0.1)
    assert len(set(paths)) == 2_000 and paths == distinct_queries(vocabulary, 2_000, mine=0.1)  # seeded
    # Another seed, other searches (but for the few without words or budgets: browse, chain, state, skills
    # of this three-skill vocabulary).
    assert len(set(paths) & set(distinct_queries(vocabulary, 2_000, seed=30))) < 400
    parsed = [parse_qs(urlparse(p).query) for p in paths]
    assert all(q["limit"] == ["20"] for q in parsed)
    assert all(set(q.get("skills", [])) <= set(vocabulary["skills"]) for q in parsed)
    assert all(set(q.get("q", [""])[0].split()) <= set(WORDS) for q in parsed)
    assert all(int(q["min_budget"][0]) < int(q["max_budget"][0]) for q in parsed if "min_budget" in q and "max_budget" in q)
    assert 100 < sum("mine" in q for q in parsed) < 300 and all("mine" not in q for q in
                                                             map(lambda p: parse_qs(urlparse(p).query),
                                                                 distinct_queries(vocabulary, 500)))
    assert label("/v1/projects?limit=20") == "browse"
    assert label("/v1/projects?q=a&cursor=x&limit=20") == "page two"
    assert label("/v1/projects?q=a&skills=b&state=open&limit=20") == "text (+ filters)"
    assert label("/v1/projects?state=open&chain=ethereum&limit=20") == "chain or state only"


def test_report_gives_each_run_its_verdict_and_says_when_every_search_was_new() -> None:
    from bench.search import Runs

    cached = MixResult(12_000, 0, 20.0, 2.0, 5.0, 0.2, {"/v1/projects?limit=20": 5.0})
    fresh = MixResult(6_000, 0, 20.0, 20.0, 80.0, 0.05, {"text": 80.0, "browse": 30.0}, sent_distinct=6_000)
    text = Runs(100_000, 20_000, [("cached", SearchBench(100_000, 20_000, 16, 20, cached, 0.9, (1, 1, 1))),
                                  ("uncached", SearchBench(100_000, 20_000, 16, 20, fresh, 0.95, (1, 1, 1),
                                                           distinct_paths=50_000, pg_cpu_share=0.6))]).report()
    assert "== cached" in text and "== uncached" in text
    assert text.count("goal (p99 < 50 ms and >= 500 req/s): met") == 1
    assert text.count("goal (p99 < 50 ms and >= 500 req/s): NOT met") == 1
    assert "6000 different searches sent, none twice" in text and "p99 per kind of query:" in text
    # 300 req/s: 3.17 API + 2.00 PostgreSQL CPU ms each; n cores / 5.17 ms at best.
    assert "PostgreSQL (this database's backends) 60% of one core, 2.00 CPU ms per request" in text
    cores = os.cpu_count() or 1
    assert "lower bound" not in text
    assert "lower bound: 3 backends ended" in SearchBench(100_000, 20_000, 16, 20, fresh, 0.95, (1, 1, 1),
                                                          pg_cpu_share=0.6, pg_backends_ended=3).report()
    assert f"at most 316 req/s for the API's one core and {1000 * cores / (3.1667 + 2.0):.0f} req/s for {cores} cores" in text
