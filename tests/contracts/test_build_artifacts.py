"""Committed artifacts and gas report must match what the sources produce today."""

from __future__ import annotations

import json
from pathlib import Path

from contracts.artifacts import ARTIFACTS_DIR, artifact_hash, build_info, load_artifact
from contracts.build import write_artifacts
from contracts.gas import REPORT_PATH, generate

REQUIRED_ACTIONS = {
    "escrow.create", "escrow.create_deterministic", "escrow.fund_native", "escrow.fund_erc20",
    "escrow.accept", "escrow.submit", "escrow.release", "escrow.auto_release", "escrow.dispute",
    "escrow.resolve", "escrow.refund", "token.transfer", "token.approve", "token.mint",
    "treasury.deposit_fee", "treasury.distribute", "treasury.record_offset", "treasury.set_splits",
}


def test_artifacts_not_stale(tmp_path: Path) -> None:
    written = write_artifacts(tmp_path)
    fresh = sorted(p.name for p in tmp_path.glob("*.json"))
    committed = sorted(p.name for p in ARTIFACTS_DIR.glob("*.json"))
    assert fresh == committed, "artifact set differs: run `python scripts/compile.py`"
    for name in fresh:
        assert (tmp_path / name).read_bytes() == (ARTIFACTS_DIR / name).read_bytes(), (
            f"{name} is stale: run `python scripts/compile.py` and commit contracts/artifacts"
        )
    assert set(written) >= {"LancerToken", "Treasury", "Escrow", "EscrowFactory", "SmartWallet1271"}


def test_build_info_hashes() -> None:
    info = build_info()
    assert info["compiler"]["version"].startswith("0.8.29+")
    assert info["settings"]["optimizer"] == {"enabled": True, "runs": 200}
    assert info["settings"]["evmVersion"] == "cancun"
    for name, digest in info["artifacts"].items():
        assert artifact_hash(name) == digest
        assert load_artifact(name)["contractName"] == name


def test_gas_report_matches_regenerated_run() -> None:
    committed = json.loads(REPORT_PATH.read_text())
    assert committed["generatedFrom"] == "scripts/gas_report.py"
    assert REQUIRED_ACTIONS <= set(committed["actions"])
    for row in committed["actions"].values():
        assert isinstance(row["gasUsed"], int) and row["gasUsed"] > 21_000
    # The scenario is deterministic (fresh anvil, fixed accounts), so exact equality is expected.
    assert generate() == committed, "gas report is stale: run `python scripts/gas_report.py`"
