"""Support test helpers: users, an admin, agents."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from tests.support.api_client import ADMIN, LastingSession, bearer, login, login_with_2fa


def new_user(client: TestClient) -> dict[str, Any]:
    account = Account.create()
    out = login(client, account)
    return {"account": account, "id": out["user_id"], "h": bearer(out["tokens"]["access_token"])}


@pytest.fixture(scope="session")
def support_admin_session(client: TestClient) -> LastingSession:
    return LastingSession(client, login_with_2fa(client, ADMIN))


@pytest.fixture
def support_admin(support_admin_session: LastingSession) -> dict[str, str]:
    return support_admin_session.headers()


@pytest.fixture
def agent(client: TestClient, support_admin: dict[str, str]) -> dict[str, Any]:
    who = new_user(client)
    assert client.put(f"/v1/admin/support/agents/{who['id']}", headers=support_admin).status_code == 204
    return who
