"""The committed artifacts (ours and EAS's) are exactly what the pinned sources and compiler produce."""

from __future__ import annotations

from pathlib import Path

from contracts.artifacts import ARTIFACTS_DIR
from contracts.build import write_artifacts


def test_committed_artifacts_are_fresh(tmp_path: Path) -> None:
    written = write_artifacts(tmp_path)
    assert {"EAS", "SchemaRegistry"} <= set(written)
    fresh = {p.name: p.read_bytes() for p in tmp_path.glob("*.json")}
    committed = {p.name: p.read_bytes() for p in ARTIFACTS_DIR.glob("*.json")}
    assert sorted(fresh) == sorted(committed)
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"run `lancer compile`: stale artifacts {stale}"
