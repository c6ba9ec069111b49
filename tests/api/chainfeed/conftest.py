"""A chain of its own (the test reorganizes it), a fresh database and the API."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.ledger_env import Ledger, ledger


@pytest.fixture(scope="module")
def feed_env(database_factory: Callable[[str], str], redis_url: str, redis_prefix: str,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    with ledger(database_factory("chainfeed"), redis_url, redis_prefix, tmp_path_factory.mktemp("feed-dep")) as env:
        yield env
