"""The web app's typed client is generated from a committed OpenAPI document: both must match the API,
so an API schema change fails here (and the TypeScript build), not in a user's browser."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scripts.dump_openapi import TARGET, render
from tests.web.conftest import WEB

SCHEMA_TS = WEB / "src" / "lib" / "api" / "schema.d.ts"


def test_committed_openapi_document_is_current() -> None:
    assert TARGET.read_text() == render(), "web/openapi.json is stale: run `python scripts/dump_openapi.py`"


def test_typescript_types_are_generated_from_the_committed_document(tmp_path: Path) -> None:
    generator = WEB / "node_modules" / ".bin" / "openapi-typescript"
    if not generator.exists():
        pytest.fail("web/node_modules is missing: run `npm ci` in web/ (make test does)")
    out = tmp_path / "schema.d.ts"
    subprocess.run([str(generator), str(TARGET), "-o", str(out)], cwd=WEB, check=True, capture_output=True)
    assert out.read_text() == SCHEMA_TS.read_text(), "schema.d.ts is stale: run `npm run gen:api` in web/"

