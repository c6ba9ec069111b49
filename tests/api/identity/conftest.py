"""Identity tests' fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings


@pytest.fixture(scope="module")
def two(api_settings: ApiSettings) -> Iterator[tuple[TestClient, TestClient]]:
    """Two app instances over one database: two API processes (the credential caches' tests)."""
    with TestClient(create_app(api_settings), raise_server_exceptions=False) as a, \
            TestClient(create_app(api_settings), raise_server_exceptions=False) as b:
        yield a, b
