"""Reputation formula ``lancer-rep-v2`` (documented in docs/reputation.md; v1 in the README).

Pure functions over facts taken from the index (escrows, milestones) and from Lancer's attestations;
no I/O here, so the formula can be read, tested and versioned on its own. Changing anything in this
module changes the scores: bump ``FORMULA_VERSION`` and describe the change in the README.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

FORMULA_VERSION = "lancer-rep-v2"
# v2 over v1: a completed escrow counts by the share of its amount released to the freelancer (facts_for
# leaves out fully refunded escrows and escrows between wallets of one user, and reviews between them).
HALF_LIFE_DAYS = 180.0  # an event's weight halves every 180 days
VOLUME_DECIMALS = 18  # LNC and native amounts are 18-decimal; volume is counted in whole units

# (points per decayed unit, cap)
COMPLETED_POINTS, COMPLETED_CAP = 4.0, 30.0
VOLUME_POINTS, VOLUME_CAP = 5.0, 20.0  # 5 x log10(1 + decayed weighted units)
ON_TIME_POINTS, ON_TIME_CAP = 1.0, 10.0
DISPUTE_WON, DISPUTE_LOST, DISPUTE_OPENED = 2.0, -5.0, -1.0
DISPUTE_MIN, DISPUTE_MAX = -20.0, 10.0
RATING_POINTS, RATING_FULL_WEIGHT = 4.0, 3.0  # 4 x (average - 1) x min(1, decayed ratings / 3)
SKILL_POINTS, SKILL_CAP = 2.0, 10.0
AGE_POINTS, AGE_FULL_DAYS = 5.0, 365.0


@dataclass(frozen=True)
class CompletedEscrow:
    chain_id: int
    escrow: str
    token: str
    released: int  # base units paid to the freelancer
    share: float  # released / (released + refunded), 0 < share <= 1: half refunded is half a completion
    weight: float  # token weight from the configured table (0 for unlisted tokens)
    completed_at: datetime


@dataclass(frozen=True)
class Dispute:
    opened_by_party: bool
    outcome: str  # "won" | "lost" | "even" | "open"
    at: datetime  # resolution time, or the evaluation time while open


@dataclass
class Facts:
    completed: list[CompletedEscrow] = field(default_factory=list)
    on_time_releases: list[datetime] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)
    ratings: list[tuple[int, datetime]] = field(default_factory=list)
    skills: dict[str, int] = field(default_factory=dict)  # skill -> highest verified level
    first_seen: datetime | None = None


def decay(at: datetime, now: datetime) -> float:
    age_days = max(0.0, (now - at).total_seconds() / 86_400)
    return float(0.5 ** (age_days / HALF_LIFE_DAYS))


def _r(value: float) -> float:
    return round(value, 4)


def score(facts: Facts, now: datetime) -> dict[str, object]:
    """The score and its parts; every part shows its inputs, its decayed value and its points."""
    completed_decayed = sum(c.share * decay(c.completed_at, now) for c in facts.completed)
    completed_pts = min(COMPLETED_CAP, COMPLETED_POINTS * completed_decayed)

    per_chain: dict[int, dict[str, object]] = {}
    volume_decayed = 0.0
    for c in facts.completed:
        units = c.released / 10**VOLUME_DECIMALS * c.weight
        volume_decayed += units * decay(c.completed_at, now)
        entry = per_chain.setdefault(c.chain_id, {"chain_id": c.chain_id, "tokens": {}, "weighted_units": 0.0})
        tokens: dict[str, dict[str, object]] = entry["tokens"]  # type: ignore[assignment]
        tok = tokens.setdefault(c.token, {"token": c.token, "amount": 0, "weight": c.weight})
        tok["amount"] = int(tok["amount"]) + c.released  # type: ignore[call-overload]
        entry["weighted_units"] = float(entry["weighted_units"]) + units  # type: ignore[arg-type]
    volume_pts = min(VOLUME_CAP, VOLUME_POINTS * math.log10(1 + volume_decayed))

    on_time_decayed = sum(decay(t, now) for t in facts.on_time_releases)
    on_time_pts = min(ON_TIME_CAP, ON_TIME_POINTS * on_time_decayed)

    won = sum(decay(d.at, now) for d in facts.disputes if d.outcome == "won")
    lost = sum(decay(d.at, now) for d in facts.disputes if d.outcome == "lost")
    opened = sum(decay(d.at, now) for d in facts.disputes if d.opened_by_party)
    dispute_pts = max(DISPUTE_MIN, min(DISPUTE_MAX, DISPUTE_WON * won + DISPUTE_LOST * lost + DISPUTE_OPENED * opened))

    rating_weight = sum(decay(t, now) for _, t in facts.ratings)
    average = sum(r * decay(t, now) for r, t in facts.ratings) / rating_weight if rating_weight > 0 else None
    rating_pts = 0.0 if average is None else RATING_POINTS * (average - 1) * min(1.0, rating_weight / RATING_FULL_WEIGHT)

    skill_pts = min(SKILL_CAP, SKILL_POINTS * len(facts.skills))

    age_days = max(0.0, (now - facts.first_seen).total_seconds() / 86_400) if facts.first_seen else 0.0
    age_pts = AGE_POINTS * min(1.0, age_days / AGE_FULL_DAYS)

    total = completed_pts + volume_pts + on_time_pts + dispute_pts + rating_pts + skill_pts + age_pts
    return {
        "score": round(max(0.0, min(100.0, total)), 2),
        "parts": {
            "completed_escrows": {"count": len(facts.completed), "decayed": _r(completed_decayed),
                                  "points": _r(completed_pts)},
            "volume": {"per_chain": [
                {"chain_id": e["chain_id"], "weighted_units": _r(float(e["weighted_units"])),  # type: ignore[arg-type]
                 "tokens": list(e["tokens"].values())}  # type: ignore[attr-defined]
                for e in sorted(per_chain.values(), key=lambda e: int(e["chain_id"]))],  # type: ignore[call-overload]
                "decayed_units": _r(volume_decayed), "points": _r(volume_pts)},
            "on_time_releases": {"count": len(facts.on_time_releases), "decayed": _r(on_time_decayed),
                                 "points": _r(on_time_pts)},
            "disputes": {"opened": sum(1 for d in facts.disputes if d.opened_by_party),
                         "won": sum(1 for d in facts.disputes if d.outcome == "won"),
                         "lost": sum(1 for d in facts.disputes if d.outcome == "lost"),
                         "decayed_opened": _r(opened), "decayed_won": _r(won), "decayed_lost": _r(lost),
                         "points": _r(dispute_pts)},
            "rating": {"count": len(facts.ratings), "average": None if average is None else _r(average),
                       "decayed_weight": _r(rating_weight), "points": _r(rating_pts)},
            "verified_skills": {"skills": [{"skill": k, "level": v} for k, v in sorted(facts.skills.items())],
                                "points": _r(skill_pts)},
            "account_age": {"first_seen": facts.first_seen, "days": _r(age_days), "points": _r(age_pts)},
        },
    }
