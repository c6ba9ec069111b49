"""Property test: schemathesis generates requests from the OpenAPI schema; no route may answer 5xx.

Runs as a signed-in user (so authenticated routes parse their input too) and anonymously. Every error
must be application/problem+json.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from tests.support.api_client import bearer, login
from tests.support.fuzz_depth import WHOLE_SCHEMA_TIMEOUT, examples

# Filters go on the pytest (lazy) schema: schemathesis replaces the fixture schema's own filters by these.
# A filter function sees the operation's raw OpenAPI definition (its parameter sets are not resolved yet).
NOT_FUZZED = "^/(metrics|health)"


def _raw(ctx: Any) -> dict[str, Any]:
    return dict(ctx.operation.definition.raw)


schema = schemathesis.pytest.from_fixture("fuzz_schema").exclude(path_regex=NOT_FUZZED)


@pytest.fixture(scope="module")
def fuzz_tokens(client: TestClient) -> dict[str, str]:
    from eth_account import Account

    return login(client, Account.create())["tokens"]


@pytest.fixture(scope="module")
def fuzz_schema(client: TestClient) -> Any:
    # The session client has already run the app's start-up (engine, Redis): reuse that app. Positive
    # data only (schemathesis 4 mixes in negative data by default): the negative test below has its own.
    from schemathesis import GenerationMode

    found = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    found.config.generation.update(modes=[GenerationMode.POSITIVE])
    return found


@WHOLE_SCHEMA_TIMEOUT
@schema.parametrize()
@settings(max_examples=examples(12), deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: Any, fuzz_tokens: dict[str, str]) -> None:
    for headers in (bearer(fuzz_tokens["access_token"]), {}):
        response = case.call(headers=headers)
        assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])
        if response.status_code >= 400:
            ctype = response.headers.get("content-type") or [""]
            ctype = ctype[0] if isinstance(ctype, list) else ctype
            assert ctype.startswith("application/problem+json"), (case.path, response.text[:200])
        assert "Traceback" not in response.text


# --- Negative testing and forged cursors (issue 12 #17) ------------------------------------------------
# Positive generation only sends what the schema allows, and a cursor is "any string": it never builds a
# valid-looking base64url JSON of the wrong shape, which is what once gave a 500. These strategies do.

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8)
# Mostly keys of the arities the API uses (2 and 3) with mixed scalar types, the near misses a decoder
# that checks only the length lets through; then any JSON at all.
_NEAR_MISSES = st.lists(st.text(max_size=8) | st.integers() | st.booleans() | st.floats(allow_nan=False) | st.none(),
                        min_size=2, max_size=3)
FORGED_CURSORS = st.builds(
    lambda value: base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("="),
    _NEAR_MISSES | st.lists(_JSON_VALUES, max_size=5) | _JSON_VALUES)

def _has_cursor(ctx: Any) -> bool:
    return any(p.get("name") == "cursor" and p.get("in") == "query" for p in _raw(ctx).get("parameters", []))


cursors = schemathesis.pytest.from_fixture("cursor_schema").exclude(path_regex=NOT_FUZZED).include(
    method="GET").include(func=_has_cursor)


def flatmap_query(ctx: Any, query: Any) -> Any:
    if not _has_cursor(ctx):
        return st.just(query)
    return FORGED_CURSORS.map(lambda cursor: {**(query or {}), "cursor": cursor})


def _base(client: TestClient) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", client.app)


@pytest.fixture(scope="module")
def cursor_schema(client: TestClient) -> Any:
    # Positive otherwise (a valid address, limit, ...), so the forged cursor is what the route must judge.
    found = _base(client)
    found.hooks.register_hook_with_name(flatmap_query, "flatmap_query")
    return found


# The schema's documented examples are positive data, which the positive tests above already send; the forged
# cursor and negative tests skip them (Hypothesis's explicit phase was half of their time).
GENERATED_ONLY = [phase for phase in Phase if phase is not Phase.explicit]


def _no_server_error(case: Any, response: Any) -> None:
    assert response.status_code < 500, (case.method, case.path, case.query, response.status_code, response.text[:300])
    assert "Traceback" not in response.text


@WHOLE_SCHEMA_TIMEOUT
@cursors.parametrize()
@settings(max_examples=examples(30), deadline=None, suppress_health_check=list(HealthCheck), phases=GENERATED_ONLY)
def test_forged_cursors_never_500(case: Any, fuzz_tokens: dict[str, str]) -> None:
    _no_server_error(case, case.call(headers=bearer(fuzz_tokens["access_token"])))


# --- Negative data: malformed input on every operation that takes any (issue 12 #17) ---------------------
# schemathesis 4 draws negative cases with the project's generation modes (``config.generation.modes``).
# Negative mode alone skips an operation with nothing to negate (no query, header, path parameter or body
# it can break), so those are left out: positive generation above covers them.

def _takes_input(ctx: Any) -> bool:
    raw = _raw(ctx)
    return bool(raw.get("parameters") or raw.get("requestBody"))


negative = schemathesis.pytest.from_fixture("negative_schema").exclude(path_regex=NOT_FUZZED).include(func=_takes_input)


@pytest.fixture(scope="module")
def negative_schema(client: TestClient) -> Any:
    from schemathesis import GenerationMode

    found = _base(client)
    found.config.generation.update(modes=[GenerationMode.NEGATIVE])
    return found


@WHOLE_SCHEMA_TIMEOUT
@negative.parametrize()
@settings(max_examples=examples(10), deadline=None, suppress_health_check=list(HealthCheck), phases=GENERATED_ONLY)
def test_malformed_input_is_a_4xx_problem(case: Any, fuzz_tokens: dict[str, str]) -> None:
    for headers in (bearer(fuzz_tokens["access_token"]), {}):
        response = case.call(headers=headers)
        _no_server_error(case, response)
        if response.status_code >= 400:
            ctype = response.headers.get("content-type") or [""]
            ctype = ctype[0] if isinstance(ctype, list) else ctype
            assert ctype.startswith("application/problem+json"), (case.method, case.path, response.text[:200])
