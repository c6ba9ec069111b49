"""Feature generators: each maps a (freelancer, project) pair to a number in [0, 1]. Pure functions over
precomputed rows, so a feed scores hundreds of candidates in a few milliseconds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

AVAILABILITY = {"available": 1.0, "limited": 0.5, "unavailable": 0.0}
WORK_START, WORK_END = 9 * 60, 17 * 60  # local working hours, in minutes, for the time zone overlap


@dataclass
class FreelancerFacts:
    user_id: object
    skill_levels: dict[int, int]
    verified: set[int]
    reputation: float
    completed: int
    tz_offset_minutes: int
    availability: str
    rates: list[dict[str, object]]
    is_new: bool
    created_at: datetime | None = None


@dataclass
class ProjectFacts:
    project_id: object
    skill_ids: list[int]
    budget: int
    chain_id: int
    token: str
    client_tz_offset_minutes: int
    client_is_new: bool
    created_at: datetime | None = None
    extra: dict[str, object] = field(default_factory=dict)


def tz_offset_minutes(zone: str | None, at: datetime | None = None) -> int:
    """The zone's UTC offset now (daylight saving included); unknown zones count as UTC."""
    try:
        offset = datetime.now(UTC).astimezone(ZoneInfo(zone or "UTC")).utcoffset() if at is None else \
            at.astimezone(ZoneInfo(zone or "UTC")).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds() // 60) if offset is not None else 0


def skills(f: FreelancerFacts, p: ProjectFacts) -> float:
    """Share of the project's skills the freelancer lists, each weighted by the claimed level (1-5)."""
    if not p.skill_ids:
        return 0.0
    return sum(min(5, f.skill_levels.get(s, 0)) / 5 for s in p.skill_ids) / len(p.skill_ids)


def verified(f: FreelancerFacts, p: ProjectFacts) -> float:
    """Share of the project's skills the freelancer holds a live verified_skill attestation for."""
    if not p.skill_ids:
        return 0.0
    return sum(1 for s in p.skill_ids if s in f.verified) / len(p.skill_ids)


def budget(f: FreelancerFacts, p: ProjectFacts, reference_hours: int) -> float:
    """1 when the budget pays the freelancer's hourly rate (same chain and token) for the reference hours,
    proportionally less below; 0.5 (unknown) when the freelancer states no rate in that token."""
    for r in f.rates:
        if int(str(r.get("chain_id"))) == p.chain_id and str(r.get("token")).lower() == p.token.lower():
            wanted = int(str(r.get("amount", "0"))) * reference_hours
            return 1.0 if wanted <= 0 else min(1.0, p.budget / wanted)
    return 0.5


def availability(f: FreelancerFacts) -> float:
    return AVAILABILITY.get(f.availability, 0.0)


def timezone(f: FreelancerFacts, p: ProjectFacts) -> float:
    """Overlap of the two parties' 9-17 local working days, as a share of 8 hours (on a 24 h circle)."""
    shift = (f.tz_offset_minutes - p.client_tz_offset_minutes) % 1440
    # The freelancer's working window expressed in the client's local minutes.
    start = (WORK_START - shift) % 1440
    overlap = 0
    for s in (start - 1440, start, start + 1440):
        overlap += max(0, min(WORK_END, s + (WORK_END - WORK_START)) - max(WORK_START, s))
    return min(1.0, overlap / (WORK_END - WORK_START))


def reputation(f: FreelancerFacts) -> float:
    return max(0.0, min(1.0, f.reputation / 100.0))


def popularity(f: FreelancerFacts, p: ProjectFacts) -> float:
    """Cold start for new clients: freelancers verified in one of the project's skills, by completed
    contracts (saturating at 10) and reputation. Zero for clients who have hired before."""
    if not p.client_is_new or not any(s in f.verified for s in p.skill_ids):
        return 0.0
    return 0.5 * min(1.0, f.completed / 10) + 0.5 * reputation(f)
