"""One anvil with Lancer and the token economy, a fresh database and the API, shared by the rewards,
staking and governance tests of this package."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.economy_env import EconomyEnv, economy_env


@pytest.fixture(scope="package")
def env(database_factory: Callable[[str], str], redis_url: str, redis_prefix: str,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[EconomyEnv]:
    with economy_env(database_factory("economy"), redis_url, redis_prefix, tmp_path_factory.mktemp("eco-dep")) as e:
        yield e
