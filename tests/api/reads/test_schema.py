"""Schemathesis over the whole OpenAPI schema, against the populated index: no 5xx, every response
conforms to its documented schema, errors are problem+json."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.fuzz_depth import WHOLE_SCHEMA_TIMEOUT, examples
from tests.support.read_stack import Stack

schema = schemathesis.pytest.from_fixture("read_schema")


@pytest.fixture(scope="module")
def read_schema(stack: Stack) -> Any:
    # Every route of the app (identity included), except the raw Prometheus text and health.
    return schemathesis.openapi.from_asgi("/openapi.json", stack.client.app).exclude(path_regex="^/(metrics|health)")


@WHOLE_SCHEMA_TIMEOUT
@schema.parametrize()
@settings(max_examples=examples(15), deadline=None, suppress_health_check=list(HealthCheck))
def test_schema_conformance(case: Any) -> None:
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance, status_code_conformance,
                                            content_type_conformance])
    if response.status_code >= 400:
        ctype = response.headers.get("content-type") or [""]
        ctype = ctype[0] if isinstance(ctype, list) else ctype
        assert ctype.startswith("application/problem+json"), (case.path, response.text[:200])
