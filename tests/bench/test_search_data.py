"""`lancer bench search`'s COPY generator makes rows the API serves: search, filters and pages work on them."""

from __future__ import annotations

import json
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
