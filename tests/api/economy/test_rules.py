"""Rewards rules from configuration: defaults, tiers, a bad REWARDS_RULES_JSON is a 503 naming the field."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from api.kit.problems import Problem
from api.rewards.rules import RewardRules, load_rules
from api.rewards.service import Tally, amounts

E18 = 10**18


def test_tiers_take_the_best_of_volume_and_stake() -> None:
    rules = RewardRules()
    assert rules.rebate_bps(0, 0) == 0
    assert rules.rebate_bps(1_000 * E18, 0) == 1_000
    assert rules.rebate_bps(1_000 * E18, 1_000 * E18) == 1_500
    assert rules.rebate_bps(50_000 * E18, 0) == 2_500
    assert rules.rebate_bps(0, 10_000 * E18) == 3_000


def test_amounts_points_and_rebates_in_address_order() -> None:
    rules = load_rules(json.dumps({"points": {"completed_contract": 1, "on_time_milestone": 0, "verified_skill": 4,
                                              "review": 1}, "lnc_per_point": 100,
                                   "rebate_volume_tiers": [{"min": 0, "bps": 5000}], "rebate_stake_tiers": []}))
    b, a, z = "0x" + "bb" * 20, "0x" + "aa" * 20, "0x" + "cc" * 20
    rows = amounts(rules, {b: Tally(Counter(verified_skill=2), fees=11), a: Tally(Counter(review=3)),
                           z: Tally(Counter(on_time_milestone=9))})
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [(a, 300, 3, 0), (b, 800 + 5, 8, 5)]  # z earns 0: left out


@pytest.mark.parametrize("raw, where", [
    ("{", ""), ('{"points": {"review": -1}}', "points.review"),
    ('{"rebate_stake_tiers": [{"min": 5, "bps": 1}, {"min": 1, "bps": 2}]}', "strictly increasing"),
    ('{"surprise": 1}', "surprise")])
def test_bad_rules_are_a_503_naming_the_problem(raw: str, where: str) -> None:
    with pytest.raises(Problem) as caught:
        load_rules(raw)
    assert caught.value.status == 503 and where in caught.value.detail
