"""Rewards rules, from configuration (``REWARDS_RULES_JSON``): points per activity, LNC per point, and
the fee-rebate share by volume tier or stake tier. All amounts are LNC base units (integers).

What earns what, in one epoch ``[period_start, period_end)`` on one chain, from confirmed index data:

- ``completed_contract``: each escrow that completed in the period, to its freelancer and its client;
- ``on_time_milestone``: each milestone of those escrows that was submitted and released to the
  freelancer without a dispute or refund (delivered as agreed), to the freelancer;
- ``verified_skill``: each unrevoked ``verified_skill`` attestation made in the period, to its recipient;
- ``review``: each unrevoked ``milestone_review`` attestation made in the period, to the client who
  gave the review (the schema's ``client`` field): reviews are what the platform wants more of;
- fee rebate: the platform fee of the freelancer's LNC escrows that completed in the period (the fee is
  taken from the freelancer's payment), times the best of the freelancer's volume tier (LNC released
  to them in the period) and stake tier (confirmed earning stake in LancerStaking), in basis points.

An account's amount is ``points * lnc_per_point + rebate``; accounts with zero are left out of the tree.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from api.kit.problems import Problem

LNC = 10**18


class Tier(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min: int = Field(ge=0, description="Threshold in LNC base units (volume or stake)")
    bps: int = Field(ge=0, le=10_000, description="Share of the fee returned, in basis points")


class Points(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    completed_contract: int = Field(10, ge=0)
    on_time_milestone: int = Field(3, ge=0)
    verified_skill: int = Field(5, ge=0)
    review: int = Field(2, ge=0)


class RewardRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str = Field("lancer-rewards-v1", max_length=40)
    points: Points = Points()
    lnc_per_point: int = Field(LNC, ge=0)
    rebate_volume_tiers: tuple[Tier, ...] = (Tier(min=0, bps=0), Tier(min=1_000 * LNC, bps=1_000),
                                             Tier(min=10_000 * LNC, bps=2_500))
    rebate_stake_tiers: tuple[Tier, ...] = (Tier(min=0, bps=0), Tier(min=1_000 * LNC, bps=1_500),
                                            Tier(min=10_000 * LNC, bps=3_000))

    @model_validator(mode="after")
    def _sorted(self) -> RewardRules:
        for name in ("rebate_volume_tiers", "rebate_stake_tiers"):
            mins = [t.min for t in getattr(self, name)]
            if mins != sorted(set(mins)):
                raise ValueError(f"{name}: thresholds must be strictly increasing")
        return self

    def rebate_bps(self, volume: int, stake: int) -> int:
        return max(_tier(self.rebate_volume_tiers, volume), _tier(self.rebate_stake_tiers, stake))


def _tier(tiers: tuple[Tier, ...], value: int) -> int:
    best = 0
    for t in tiers:
        if value >= t.min:
            best = t.bps
    return best


def load_rules(raw: str) -> RewardRules:
    """The configured rules; a misconfiguration is a 500-free 503 naming the problem (not the value)."""
    if not raw.strip():
        return RewardRules()
    try:
        return RewardRules.model_validate(json.loads(raw))
    except (json.JSONDecodeError, ValidationError) as exc:
        where = ""
        if isinstance(exc, ValidationError):
            first = exc.errors()[0]
            where = f" at {'.'.join(map(str, first['loc']))}: {first['msg']}"
        raise Problem(503, f"REWARDS_RULES_JSON is invalid{where}", type_="misconfigured") from None
