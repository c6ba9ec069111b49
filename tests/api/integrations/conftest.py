"""Fixtures of the integration tests: fast retry settings and a live receiver server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from api.settings import ApiSettings
from tests.support.api_client import bearer, login
from tests.support.webhook_receiver import Receiver, running_receiver


@pytest.fixture(scope="session")
def fast(settings_factory: Callable[..., ApiSettings]) -> ApiSettings:
    """Delivery settings with short timeouts and backoff (same key rings as the app's settings)."""
    return settings_factory(webhook_timeout_seconds=0.5, webhook_retry_base_seconds=0.05,
                            webhook_retry_max_seconds=0.2, webhook_max_attempts=4,
                            webhook_disable_after_failures=6)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as r:
        yield r


@pytest.fixture
def owner(client: Any, account: Any) -> dict[str, Any]:
    tokens = login(client, account)["tokens"]
    return {"account": account, "user_id": tokens.get("user_id"), "headers": bearer(tokens["access_token"]),
            **tokens}
