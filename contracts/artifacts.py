"""Read the committed contract artifacts (ethpm ContractType JSON) written by contracts.build."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"


@lru_cache(maxsize=None)
def _read(name: str) -> bytes:
    path = ARTIFACTS_DIR / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no artifact for contract {name!r} at {path}; run `python scripts/compile.py`")
    return path.read_bytes()


def load_artifact(name: str) -> dict[str, Any]:
    """The ContractType dict of ``name`` (e.g. "Escrow"); a fresh copy each call."""
    data: dict[str, Any] = json.loads(_read(name))
    return data


def artifact_hash(name: str) -> str:
    """sha256 (hex) of the artifact file, as recorded in build-info.json."""
    return hashlib.sha256(_read(name)).hexdigest()


def build_info() -> dict[str, Any]:
    """Compiler version, settings and hashes of the committed build."""
    data: dict[str, Any] = json.loads((ARTIFACTS_DIR / "build-info.json").read_bytes())
    return data
