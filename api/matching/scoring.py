"""Weighted scoring: score = sum over features of weight x value; the parts are returned with the score,
rounded so that they add up to it exactly (the feed shows them as the explanation)."""

from __future__ import annotations

from dataclasses import dataclass

from api.matching import features as fx

FEATURES = ("skills", "verified", "text", "budget", "availability", "timezone", "reputation", "popularity")
DECIMALS = 6


@dataclass(frozen=True)
class Scored:
    score: float
    parts: dict[str, float]


def feature_values(f: fx.FreelancerFacts, p: fx.ProjectFacts, text: float, reference_hours: int) -> dict[str, float]:
    return {
        "skills": fx.skills(f, p),
        "verified": fx.verified(f, p),
        "text": max(0.0, min(1.0, text)),
        "budget": fx.budget(f, p, reference_hours),
        "availability": fx.availability(f),
        "timezone": fx.timezone(f, p),
        "reputation": fx.reputation(f),
        "popularity": fx.popularity(f, p),
    }


def score(values: dict[str, float], weights: dict[str, float]) -> Scored:
    """Parts are rounded to ``DECIMALS`` in integer micro-units and the score is their integer sum, so
    ``sum(parts) == score`` holds exactly (no float drift between explanation and ranking)."""
    micro = {name: round(weights.get(name, 0.0) * values[name] * 10**DECIMALS) for name in FEATURES}
    total = sum(micro.values())
    return Scored(score=total / 10**DECIMALS, parts={k: v / 10**DECIMALS for k, v in micro.items()})
