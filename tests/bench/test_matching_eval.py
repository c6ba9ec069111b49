"""The committed matching evaluation set is what its deterministic generator makes, its labels follow the
niches, and the bench's metrics score known rankings right."""

from __future__ import annotations

import json

import pytest

from bench.matching import ndcg_at_10, recall_at_10
from bench.matching_eval import OUT, generate


def test_committed_set_is_the_generators_output() -> None:
    assert json.loads(OUT.read_text()) == json.loads(json.dumps(generate())), \
        "bench/data/matching_eval.json is stale: run python -m bench.matching_eval"


def test_labels_follow_the_niches() -> None:
    data = generate(seed=1, freelancers=60, projects=15)
    people = {p["id"]: p for p in data["freelancers"]}
    jobs = {j["id"]: j for j in data["projects"]}
    assert data == generate(seed=1, freelancers=60, projects=15)  # deterministic
    for job, person, grade in data["relevant"]:
        same_niche = people[person]["niche"] == jobs[job]["niche"]
        assert grade == (2 if same_niche else 1)
        assert people[person]["niche"].split("/")[0] == jobs[job]["niche"].split("/")[0]
    assert any(not j["skills"] for j in data["projects"])  # projects without skills: text must carry them


def test_metrics() -> None:
    grades = {1: 2, 2: 1, 3: 2}
    assert ndcg_at_10([1, 3, 2], grades) == pytest.approx(1.0)
    assert ndcg_at_10([9, 8, 7], grades) == 0.0
    assert 0 < ndcg_at_10([2, 1, 3], grades) < 1
    assert recall_at_10([1, 9, 2], grades) == pytest.approx(2 / 3)
    many = {i: 1 for i in range(30)}
    assert recall_at_10(list(range(10)), many) == 1.0  # capped at min(10, relevant)
