"""Fixture: the read API against a real stack: two anvil chains with Lancer deployed and the demo scenario
played, one indexer thread per chain following the head, the app on a fresh database and Redis prefix.

Nothing is mocked; tests compare the API with the contracts' own views.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.read_stack import Stack, build_stack


@pytest.fixture(scope="session")
def readapi_stack(database_factory: Callable[[str], str], redis_url: str, redis_prefix: str,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from build_stack("readapi", database_factory, redis_url, redis_prefix, tmp_path_factory)


@pytest.fixture(scope="session")
def stack(readapi_stack: Stack) -> Stack:
    return readapi_stack
