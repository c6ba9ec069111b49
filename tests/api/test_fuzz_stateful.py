"""Stateful fuzzing (issue 12 #17): schemathesis chains operations through the links it infers from the
OpenAPI document (a created project's id into its reads, updates and proposals; a conversation's id into
its messages; a session's id into its revocation, ...), as one signed-in user. No step may answer 5xx,
and every error is application/problem+json. Bounded: a few dozen short scenarios (well under 2 minutes).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from eth_account import Account
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings

from tests.support.api_client import bearer, login
from tests.support.fuzz_depth import examples

NOT_FUZZED = "^/(metrics|health)"
SCENARIOS, STEPS = examples(25), 6


@pytest.mark.timeout(600)
def test_chained_operations_never_500(client: TestClient) -> None:
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app).exclude(path_regex=NOT_FUZZED)
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    Machine = schema.as_state_machine()
    # A user of its own: scenarios may revoke its sessions or schedule its deletion.
    headers = bearer(login(client, Account.create())["tokens"]["access_token"])
    seen: dict[str, int] = {}

    class Stateful(Machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
            seen[case.operation.label] = seen.get(case.operation.label, 0) + 1
            assert response.status_code < 500, (case.method, case.formatted_path, case.query, case.body,
                                                 response.status_code, response.text[:300])
            if response.status_code >= 400:
                ctype = response.headers.get("content-type") or [""]
                ctype = ctype[0] if isinstance(ctype, list) else ctype
                assert ctype.startswith("application/problem+json"), (case.method, case.path, response.text[:200])

    started = time.monotonic()
    Stateful.run(settings=settings(max_examples=SCENARIOS, stateful_step_count=STEPS, deadline=None,
                                   suppress_health_check=list(HealthCheck), phases=[Phase.generate]))
    assert len(seen) >= 10, seen  # the scenarios reached many operations, not one route over and over
    print(f"stateful: {sum(seen.values())} calls, {len(seen)} operations, {time.monotonic() - started:.0f} s")
