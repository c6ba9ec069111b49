"""Property test: schemathesis generates requests from the OpenAPI schema; no route may answer 5xx.

Runs as a signed-in user (so authenticated routes parse their input too) and anonymously. Every error
must be application/problem+json.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from tests.support.api_client import bearer, login

schema = schemathesis.pytest.from_fixture("fuzz_schema")


@pytest.fixture(scope="module")
def fuzz_tokens(client: TestClient) -> dict[str, str]:
    from eth_account import Account

    return login(client, Account.create())["tokens"]


@pytest.fixture(scope="module")
def fuzz_schema(client: TestClient) -> Any:
    # The session client has already run the app's start-up (engine, Redis): reuse that app.
    return schemathesis.openapi.from_asgi("/openapi.json", client.app).exclude(path_regex="^/(metrics|health)")


# One test item runs every operation (~75) as subtests: on a loaded 2-core machine that is minutes, more
# than the suite's per-test timeout.
@pytest.mark.timeout(1200)
@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: Any, fuzz_tokens: dict[str, str]) -> None:
    for headers in (bearer(fuzz_tokens["access_token"]), {}):
        response = case.call(headers=headers)
        assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])
        if response.status_code >= 400:
            ctype = response.headers.get("content-type") or [""]
            ctype = ctype[0] if isinstance(ctype, list) else ctype
            assert ctype.startswith("application/problem+json"), (case.path, response.text[:200])
        assert "Traceback" not in response.text
