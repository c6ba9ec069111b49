"""The committed gas report covers the token-economy actions (its exact freshness is checked by
test_build_artifacts.test_gas_report_matches_regenerated_run)."""

from __future__ import annotations

import json

from contracts.gas import REPORT_PATH

ECONOMY_ACTIONS = {
    "distributor.publish_root": ("MerkleDistributor", "publishRoot"),
    "distributor.claim": ("MerkleDistributor", "claim"),
    "distributor.sweep": ("MerkleDistributor", "sweep"),
    "staking.stake": ("LancerStaking", "stake"),
    "staking.request_unstake": ("LancerStaking", "requestUnstake"),
    "staking.withdraw": ("LancerStaking", "withdraw"),
    "staking.claim_rewards": ("LancerStaking", "claimRewards"),
    "staking.fund_rewards": ("LancerStaking", "fundRewards"),
}


def test_gas_report_has_token_economy_actions() -> None:
    actions = json.loads(REPORT_PATH.read_text())["actions"]
    for name, (contract, function) in ECONOMY_ACTIONS.items():
        row = actions[name]
        assert (row["contract"], row["function"]) == (contract, function)
        # a claim with a 3-hash proof must stay cheap enough to be worth claiming
        assert 21_000 < row["gasUsed"] < 200_000
