"""Fixtures for indexer tests: deployed platforms on fresh anvils and a fresh migrated database per
test (helpers live in ``tests.support.indexing``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from devtools.anvil import AnvilProcess
from indexer.core.db import make_engine
from tests.support.chainkit import Platform, deploy_platform

_counter = itertools.count()


@pytest.fixture
def fresh_engine(database_factory: Callable[[str], str]) -> Iterator[Engine]:
    url = database_factory(f"t{next(_counter)}")
    eng = make_engine(url)
    yield eng
    eng.dispose()


@pytest.fixture
def platform_factory(anvil_factory: Callable[..., AnvilProcess], tmp_path: Path) -> Callable[..., Platform]:
    def make(chain_id: int = 31337, seed: int = 1, **kwargs: Any) -> Platform:
        node = anvil_factory(chain_id, **kwargs)
        return deploy_platform(node, tmp_path / "deployments", seed=seed)
    return make
