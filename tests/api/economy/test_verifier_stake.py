"""Staking raises the reputation of verifiers: the separate ``verifier_stake`` component of the score.

On anvil: a verifier stakes LNC, the index confirms it, and the component's stake equals the contract's
``stakeOf``; its points are added to the formula's score; an unstake request lowers it (a new cache key,
not a stale score); a non-verifier with the same stake gets no points."""

from __future__ import annotations

import math

import pytest
from sqlalchemy.orm import Session

from api.reputation import service, verifier_stake
from tests.support.economy_env import EconomyEnv

E18 = 10**18


def test_part_is_zero_for_non_verifiers_and_capped() -> None:
    assert verifier_stake.part(False, {1: 10**6 * E18})["points"] == 0.0
    assert verifier_stake.part(True, {})["points"] == 0.0
    assert verifier_stake.part(True, {1: 99 * E18})["points"] == pytest.approx(2 * math.log10(100))
    assert verifier_stake.part(True, {1: 10**9 * E18, 2: E18})["points"] == verifier_stake.CAP
    big = verifier_stake.part(True, {2: 3 * E18, 1: 5 * E18})
    assert big["staked"] == str(8 * E18) and [c["chain_id"] for c in big["per_chain"]] == [1, 2]
    assert verifier_stake.apply(99.5, {"points": 3.0}) == 100.0 and verifier_stake.apply(10.0, {"points": 1.25}) == 11.25


def _rep(env: EconomyEnv, address: str, verifier: bool) -> dict[str, object]:
    settings = env.settings.model_copy(update={"verifier_addresses": [address] if verifier else []})
    with Session(env.engine) as db:
        out = service.reputation(db, env.engine, env.client.app.state.redis, settings, address)  # type: ignore[attr-defined]
    return out.model_dump(mode="json")


def test_verifier_stake_raises_a_verifiers_score(env: EconomyEnv) -> None:
    p, eco = env.p, env.eco
    verifier = p.users[4]
    p.tx(p.token.functions.mint(verifier, 3_000 * E18), p.admin)
    before = _rep(env, verifier, verifier=True)
    eco.stake(verifier, 2_000 * E18)
    env.index()

    staked = eco.staking.functions.stakeOf(verifier).call()
    rep = _rep(env, verifier, verifier=True)
    part = rep["parts"]["verifier_stake"]  # type: ignore[index]
    assert part["is_verifier"] is True and int(part["staked"]) == staked >= 2_000 * E18
    assert part["per_chain"] == [{"chain_id": env.chain.chain_id, "staked": str(staked)}]
    assert part["points"] == pytest.approx(2 * math.log10(1 + staked / E18), abs=1e-3)
    formula_score = before["score"] - before["parts"]["verifier_stake"]["points"]  # type: ignore[index,operator]
    assert rep["score"] == pytest.approx(formula_score + part["points"], abs=0.011)
    assert rep["score"] > before["score"]  # type: ignore[operator]

    # Same stake, not a verifier: the part is there, with no points.
    plain = _rep(env, verifier, verifier=False)
    assert plain["parts"]["verifier_stake"] == {"version": verifier_stake.VERSION, "is_verifier": False,  # type: ignore[index]
                                                 "staked": "0", "per_chain": [], "points": 0.0}
    # Through the route (this deployment lists no verifiers): the same.
    r = env.client.get(f"/v1/reputation/{verifier}", headers=env.headers(0))
    assert r.status_code == 200, r.text
    assert r.json()["parts"]["verifier_stake"]["points"] == 0.0

    # An unstake request takes the amount out of the earning stake: the cached score does not survive it.
    p.tx(eco.staking.functions.requestUnstake(1_500 * E18), verifier)
    env.index()
    after = _rep(env, verifier, verifier=True)
    left = eco.staking.functions.stakeOf(verifier).call()
    assert int(after["parts"]["verifier_stake"]["staked"]) == left == staked - 1_500 * E18  # type: ignore[index]
    assert after["score"] < rep["score"] and after["cached"] is False  # type: ignore[operator]
