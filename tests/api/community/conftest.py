"""A community app with its own deployments directory (LNC on a chain of its own, for the token gate)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from indexer.core.deployments import DeployedContract, Deployment, save_deployment
from tests.support.api_client import ADMIN, LastingSession, bearer, login, login_with_2fa

GATE_CHAIN = 990_015
LNC = Account.from_key("0x" + "15" * 32).address


@pytest.fixture(scope="session")
def gate_deployments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("community-deployments")
    now = datetime.now(UTC)
    save_deployment(directory, Deployment(
        chain_id=GATE_CHAIN, chain_name="gate", genesis_hash="0x" + "00" * 32, deployer=ADMIN.address,
        deployed_at=now, updated_at=now, contracts={"LancerToken": DeployedContract(address=LNC, block_number=1)}))
    return directory


@pytest.fixture(scope="session")
def make_client(settings_factory: Callable[..., ApiSettings], gate_deployments: Path) -> Callable[..., Any]:
    def make(**overrides: Any) -> TestClient:
        values: dict[str, Any] = {"deployments_dir": gate_deployments, "community_hold_new_account_hours": 0,
                                  "community_posts_per_minute": 1000}
        values.update(overrides)
        return TestClient(create_app(settings_factory(**values)), raise_server_exceptions=False)
    return make


@pytest.fixture(scope="session")
def cc(make_client: Callable[..., TestClient]) -> Iterator[TestClient]:
    """Community client: first posts published at once (holding is tested with its own app)."""
    with make_client() as c:
        yield c


@pytest.fixture(scope="session")
def admin_session(cc: TestClient) -> LastingSession:
    return LastingSession(cc, login_with_2fa(cc, ADMIN))


@pytest.fixture
def admin_h(admin_session: LastingSession) -> dict[str, str]:
    return admin_session.headers()


def new_user(client: TestClient) -> dict[str, Any]:
    account = Account.create()
    out = login(client, account)
    return {"account": account, "id": out["user_id"], "h": bearer(out["tokens"]["access_token"])}
