"""The pure parts of matching: feature generators, scores that are exactly the sum of their parts, and
the keyset pagination that reserves exploration slots for new freelancers."""

from __future__ import annotations

import math
import random
import uuid

import pytest

from api.kit.problems import Problem
from api.matching import feed, scoring
from api.matching import features as fx

WEIGHTS = {"skills": 0.3, "verified": 0.1, "text": 0.25, "budget": 0.1, "availability": 0.05, "timezone": 0.05,
           "reputation": 0.15, "popularity": 0.2}


def _freelancer(**kw: object) -> fx.FreelancerFacts:
    base: dict[str, object] = dict(user_id=1, skill_levels={1: 5, 2: 3}, verified={1}, reputation=50.0, completed=0,
                                   tz_offset_minutes=0, availability="available", rates=[], is_new=True)
    base.update(kw)
    return fx.FreelancerFacts(**base)  # type: ignore[arg-type]


def _project(**kw: object) -> fx.ProjectFacts:
    base: dict[str, object] = dict(project_id=1, skill_ids=[1, 2], budget=100 * 10**18, chain_id=31337, token="0x" + "0" * 40,
                                   client_tz_offset_minutes=0, client_is_new=False)
    base.update(kw)
    return fx.ProjectFacts(**base)  # type: ignore[arg-type]


def test_features() -> None:
    f, p = _freelancer(), _project()
    assert fx.skills(f, p) == pytest.approx((1.0 + 0.6) / 2)
    assert fx.verified(f, p) == 0.5
    assert fx.skills(f, _project(skill_ids=[])) == 0.0
    assert fx.timezone(f, p) == 1.0
    assert fx.timezone(_freelancer(tz_offset_minutes=240), p) == pytest.approx(0.5)   # 4 h apart: 4 of 8 hours
    assert fx.timezone(_freelancer(tz_offset_minutes=720), p) == 0.0                  # 12 h apart
    # Across the date line: UTC-10 and UTC+13 are 23 h apart on the clock, i.e. 1 h: 7 of 8 hours overlap.
    assert fx.timezone(_freelancer(tz_offset_minutes=-600), _project(client_tz_offset_minutes=780)) == \
        pytest.approx(7 / 8)
    rate = [{"chain_id": 31337, "token": "0x" + "0" * 40, "amount": str(5 * 10**18)}]  # 5 per hour x 40 h = 200
    assert fx.budget(_freelancer(rates=rate), p, 40) == pytest.approx(0.5)
    assert fx.budget(_freelancer(rates=rate), _project(budget=400 * 10**18), 40) == 1.0
    assert fx.budget(f, p, 40) == 0.5  # no rate in that token: unknown
    assert fx.availability(_freelancer(availability="limited")) == 0.5
    assert fx.popularity(f, p) == 0.0  # the client has hired before
    assert fx.popularity(_freelancer(completed=5), _project(client_is_new=True)) == pytest.approx(0.25 + 0.25)
    assert fx.popularity(_freelancer(verified=set()), _project(client_is_new=True)) == 0.0


def test_parts_add_up_to_the_score_exactly() -> None:
    rng = random.Random(7)
    for _ in range(500):
        values = {k: rng.random() for k in scoring.FEATURES}
        weights = {k: rng.random() * 3 for k in scoring.FEATURES}
        out = scoring.score(values, weights)
        assert math.isclose(sum(out.parts.values()), out.score, abs_tol=1e-9)
        assert math.isclose(out.score, sum(weights[k] * values[k] for k in values), abs_tol=1e-5)


def _ranked(n: int, new_every: int) -> list[feed.Ranked]:
    rng = random.Random(n)
    out = []
    for i in range(n):
        score = round(rng.random(), 3)  # ties on purpose: the id breaks them
        out.append(feed.Ranked(uuid.UUID(int=i + 1), scoring.Scored(score, {}), i % new_every == 0, None))
    return out


@pytest.mark.parametrize("limit", [1, 3, 7, 50])
def test_pages_with_exploration_slots_show_everyone_once(limit: int) -> None:
    items = _ranked(40, new_every=6)
    seen: list[feed.Ranked] = []
    cursor = None
    while True:
        page, cursor = feed.paginate(list(items), 5, limit, cursor)
        seen += page
        if cursor is None:
            break
    assert sorted(r.id for r in seen) == sorted(r.id for r in items)
    # Every 5th place is a new freelancer while some are left; the others follow the score order.
    new_left = sum(r.is_new for r in items)
    for pos, r in enumerate(seen):
        if pos % 5 == 4 and new_left:
            assert r.is_new and r.slot == "exploration"
        new_left -= r.is_new
    main = [r.key for r in seen if r.slot == "ranked"]
    assert main == sorted(main)
    assert any(r.slot == "exploration" for r in seen)


def test_without_slots_pages_follow_score_order() -> None:
    items = _ranked(25, new_every=2)
    page, cursor = feed.paginate(list(items), 0, 10, None)
    rest, end = feed.paginate(list(items), 0, 100, cursor)
    assert end is None
    keys = [r.key for r in page + rest]
    assert keys == sorted(r.key for r in items)


def test_forged_cursor_is_refused() -> None:
    from api.kit.pagination import encode_cursor

    with pytest.raises(Problem):
        feed.paginate(_ranked(3, 2), 5, 2, encode_cursor([1, "x"]))
    with pytest.raises(Problem):
        feed.paginate(_ranked(3, 2), 5, 2, encode_cursor([-1, "", -1, "", -4]))
