"""Issue 12 #17: every cursor decoder checks the shape and the types of what it decodes; a well-formed
cursor of the wrong shape is a 400 problem, never a 500."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.kit.pagination import decode_cursor
from api.kit.problems import Problem
from tests.support.api_client import bearer

HOLDER = "0x" + "12" * 20


def forge(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


WRONG_SHAPES = [["x", 1, 2], [1, "2", 3], [True, 1, 2], [1.5, 1, 2], [1, 2], [1, 2, 3, 4], {"a": 1}, "abc", None,
                [None, 1, 2], [[1], 1, 2], [10**30, 1, 2], ["2026-01-01T00:00:00", "x", "0xabc"]]


@pytest.mark.parametrize("value", WRONG_SHAPES)
@pytest.mark.parametrize("path", [f"/v1/accounts/{HOLDER}/transfers", "/v1/escrows", "/v1/attestations"])
def test_wrong_shaped_cursors_are_400(client: TestClient, signed_in: dict[str, Any], path: str, value: Any) -> None:
    r = client.get(path, params={"cursor": forge(value)}, headers=bearer(signed_in["access_token"]))
    assert r.status_code == 400, (path, value, r.status_code, r.text[:200])
    assert r.headers["content-type"].startswith("application/problem+json") and "invalid-cursor" in r.json()["type"]


def test_decoder_accepts_exactly_the_declared_shape() -> None:
    assert decode_cursor(forge([1, 2, 3]), (int, int, int)) == [1, 2, 3]
    assert decode_cursor(forge(["t", 2, "u"]), (str, int, str)) == ["t", 2, "u"]
    assert decode_cursor(None, (int,)) is None
    for value in (["x", 1, 2], [True, 1, 2], [1, 2]):
        with pytest.raises(Problem):
            decode_cursor(forge(value), (int, int, int))
