"""The randomized reorg/kill test, short version for CI (tests/support/reorg_fuzz.py has the driver;
`make fuzz SEED=n ROUNDS=n` runs a long one). ``REORG_FUZZ_SEED`` / ``REORG_FUZZ_ROUNDS`` override
the defaults, e.g. to replay a seed a long run reported."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.support.chainkit import Platform
from tests.support.economy_chain import deploy_economy
from tests.support.reorg_fuzz import ReorgFuzz


# 20 rounds with reorgs, SIGKILLs and a catch-up each: minutes on a loaded 2-core machine (165 s on an idle
# one), past the suite's 300 s default, which is there for hangs.
@pytest.mark.timeout(900)
def test_reorgs_and_kills_at_random_moments_index_equals_chain(
        fresh_engine: Engine, platform_factory: Callable[..., Platform], tmp_path: Path) -> None:
    seed = int(os.environ.get("REORG_FUZZ_SEED", "7"))
    rounds = int(os.environ.get("REORG_FUZZ_ROUNDS", "20"))
    p = platform_factory(31337, seed=seed)
    economy = deploy_economy(p, tmp_path / "deployments")  # rewards, staking and votes go through reorgs too
    stats = ReorgFuzz(p, fresh_engine, tmp_path, seed, economy=economy).run(rounds)
    print(stats.line())
    assert stats.rounds == rounds and stats.divergences == 0
    with fresh_engine.connect() as conn:
        economy_rows = conn.execute(text("SELECT (SELECT count(*) FROM staking_events) + "
                                         "(SELECT count(*) FROM reward_epochs) + (SELECT count(*) FROM vote_checkpoints)")).scalar()
    assert economy_rows, "the rounds made no token-economy activity"
    assert stats.reorgs >= rounds // 2 and stats.kills >= rounds // 5, stats.line()
