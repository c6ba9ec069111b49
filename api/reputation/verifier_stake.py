"""Reputation component ``verifier_stake`` (issue 17: staking raises the reputation of verifiers).

Kept apart from the main formula (``api.reputation.formula``) on purpose: it has its own version name,
its own inputs (confirmed earning stake in LancerStaking on every indexed chain) and is added to the
formula's score after it, so the formula can change version without touching this and vice versa.

Only skill verifiers (``VERIFIER_ADDRESSES``, and admins, who may verify too) get points: a verifier
with LNC at stake has something to lose by attesting carelessly, which is what the points reward. For
everyone else the part is present with ``points = 0`` so the response shape does not depend on the role.
"""

from __future__ import annotations

import math
from pathlib import Path

from sqlalchemy import Connection

from indexer import read_models
from indexer.core.deployments import load_deployment
from indexer.core.errors import UnknownChainError

VERSION = "verifier-stake-v1"
STAKE_DECIMALS = 18  # LNC
POINTS, CAP = 2.0, 10.0  # 2 x log10(1 + whole LNC staked), at most 10 (100k LNC ~ 10 points)


def stakes_by_chain(conn: Connection, deployments_dir: Path, address: str) -> dict[int, int]:
    """Confirmed earning stake of ``address`` per indexed chain where LancerStaking is deployed."""
    out: dict[int, int] = {}
    for chain_id in sorted(read_models.chain_cursors(conn)):
        dep = load_deployment(deployments_dir, chain_id)
        if dep is None or not dep.has("LancerStaking"):
            continue
        try:
            p = read_models.position(conn, chain_id, dep.address("LancerStaking"), address, confirmed_only=True)
        except UnknownChainError:
            continue
        if p.staked > 0:
            out[chain_id] = p.staked
    return out


def part(is_verifier: bool, stakes: dict[int, int]) -> dict[str, object]:
    """The component as it appears in ``parts``; amounts as decimal strings."""
    total = sum(stakes.values()) if is_verifier else 0
    units = total / 10**STAKE_DECIMALS
    points = min(CAP, POINTS * math.log10(1 + units)) if is_verifier else 0.0
    return {"version": VERSION, "is_verifier": is_verifier, "staked": str(total),
            "per_chain": [{"chain_id": c, "staked": str(s)} for c, s in sorted(stakes.items())] if is_verifier else [],
            "points": round(points, 4)}


def apply(score: float, component: dict[str, object]) -> float:
    """The formula's score (already clamped to 0-100) plus this component's points, clamped again."""
    return round(max(0.0, min(100.0, score + float(component["points"]))), 2)  # type: ignore[arg-type]
