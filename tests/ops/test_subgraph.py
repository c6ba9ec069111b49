"""The subgraph stays in step with the contracts: a contract change that breaks it fails here.

Static checks (always): every event handler in subgraphs/lancer/subgraph.yaml names an event that
exists, with exactly that signature, in the contract's ABI in contracts/artifacts; every event of the
brief is handled; the ABI copies in subgraphs/lancer/abis are current; handlers exist in the mappings;
render_networks.py fills networks from a deployment file.

Build (always, about 10-15 s): `graph codegen` and `graph build` with the pinned graph-cli, offline.
The npm project under subgraphs/ is installed with `npm ci` when its node_modules is missing or
older than its lock file; without npm the test fails and says so (it never skips).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SUBGRAPHS = REPO / "subgraphs"
LANCER = SUBGRAPHS / "lancer"
ARTIFACTS = REPO / "contracts" / "artifacts"
MANIFEST = LANCER / "subgraph.yaml"

# Every event the subgraph must follow, per contract (source of truth: contracts/src).
REQUIRED_EVENTS = {
    "LancerToken": {"Transfer", "DelegateChanged", "DelegateVotesChanged"},
    "MerkleDistributor": {"RootPublished", "Claimed", "Swept"},
    "LancerStaking": {"Staked", "UnstakeRequested", "Withdrawn", "RewardPaid", "RewardFunded"},
    "Treasury": {"FeeReceived", "SplitsUpdated", "Distributed", "OffsetRecorded"},
    "EscrowFactory": {"EscrowCreated", "FeeUpdated", "TreasuryUpdated"},
    "Escrow": {
        "Funded", "Accepted", "MilestoneSubmitted", "MilestoneReleased",
        "DisputeOpened", "DisputeResolved", "MilestoneRefunded", "Completed",
    },
}
ENTITIES = {
    "Account", "TokenBalance", "Transfer", "Escrow", "Milestone", "EscrowEvent",
    "TreasuryInflow", "Distribution", "Offset", "Split",
    "RewardEpoch", "RewardClaim", "StakingPosition", "StakingEvent", "StakingFunding", "VotingPower", "VotesCheckpoint",
}


def _abi_type(param: dict) -> str:
    """The canonical type as graph-cli writes it: tuples spelled out as (a,b,c), array suffix kept."""
    kind = param["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in param["components"]) + ")" + kind[len("tuple"):]
    return kind


def _graph_signature(event: dict) -> str:
    args = ",".join(("indexed " if p.get("indexed") else "") + _abi_type(p) for p in event["inputs"])
    return f"{event['name']}({args})"


def _artifact_events(contract: str) -> dict[str, str]:
    abi = json.loads((ARTIFACTS / f"{contract}.json").read_text())["abi"]
    return {e["name"]: _graph_signature(e) for e in abi if e["type"] == "event"}


def _manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text())


def _sources() -> list[dict]:
    manifest = _manifest()
    return manifest["dataSources"] + manifest.get("templates", [])


def test_handlers_match_artifact_event_signatures() -> None:
    seen: dict[str, set[str]] = {}
    for source in _sources():
        contract = source["source"]["abi"]
        events = _artifact_events(contract)
        for handler in source["mapping"]["eventHandlers"]:
            signature = handler["event"]
            name = signature.split("(", 1)[0]
            assert name in events, f"{source['name']}: {name} is no event of {contract} in contracts/artifacts"
            assert signature == events[name], (
                f"{source['name']}: manifest has {signature!r} but the {contract} artifact has {events[name]!r}"
            )
            seen.setdefault(contract, set()).add(name)
    for contract, required in REQUIRED_EVENTS.items():
        missing = required - seen.get(contract, set())
        assert not missing, f"{contract} events not handled by the subgraph: {sorted(missing)}"


def test_abi_copies_are_current() -> None:
    for source in _sources():
        for abi in source["mapping"]["abis"]:
            copy = json.loads((LANCER / abi["file"]).read_text())
            original = json.loads((ARTIFACTS / f"{abi['name']}.json").read_text())["abi"]
            assert copy == original, (
                f"{abi['file']} differs from contracts/artifacts/{abi['name']}.json: "
                "run python3 subgraphs/lancer/extract_abis.py"
            )


def test_escrow_is_a_template_created_by_the_factory() -> None:
    manifest = _manifest()
    assert [t["name"] for t in manifest["templates"]] == ["Escrow"]
    assert "address" not in manifest["templates"][0]["source"]
    factory_mapping = (LANCER / "src" / "factory.ts").read_text()
    assert re.search(r"EscrowTemplate\.create\(", factory_mapping)


def test_handlers_exist_and_schema_has_entities() -> None:
    for source in _sources():
        mapping = (LANCER / source["mapping"]["file"]).read_text()
        for handler in source["mapping"]["eventHandlers"]:
            assert re.search(rf"export function {handler['handler']}\(", mapping), (
                f"{handler['handler']} not exported by {source['mapping']['file']}"
            )
        assert "f32" not in mapping and "f64" not in mapping and "BigDecimal" not in mapping, (
            f"{source['mapping']['file']}: amounts must stay BigInt"
        )
    schema = (LANCER / "schema.graphql").read_text()
    declared = set(re.findall(r"^type (\w+) @entity", schema, re.M))
    assert ENTITIES <= declared, f"schema lacks {sorted(ENTITIES - declared)}"
    assert "Float" not in schema and "BigDecimal" not in schema


def test_networks_file_covers_every_network_and_data_source() -> None:
    networks = json.loads((LANCER / "networks.json").read_text())
    assert {"mainnet", "matic", "base", "bsc", "local"} <= set(networks)
    names = {s["name"] for s in _manifest()["dataSources"]}
    for network, entries in networks.items():
        assert set(entries) == names, f"networks.json[{network}] must name exactly {sorted(names)}"
        for entry in entries.values():
            assert re.fullmatch(r"0x[0-9a-fA-F]{40}", entry["address"]) and entry["startBlock"] >= 0


def test_render_networks_fills_local_from_a_deployment(tmp_path: Path) -> None:
    addresses = {
        "LancerToken": ("0x5FbDB2315678afecb367f032d93F642f64180aa3", 1),
        "Treasury": ("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", 2),
        "Escrow": ("0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0", 3),
        "EscrowFactory": ("0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9", 4),
        "MerkleDistributor": ("0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9", 5),
    }  # no LancerStaking on this chain: its data source keeps the zero address
    deployment = {
        "chain_id": 31337,
        "contracts": {k: {"address": a, "block_number": b} for k, (a, b) in addresses.items()},
    }
    (tmp_path / "31337.json").write_text(json.dumps(deployment))
    networks = tmp_path / "networks.json"
    shutil.copy(LANCER / "networks.json", networks)
    out = tmp_path / "subgraph.local.yaml"
    subprocess.run(
        [sys.executable, str(LANCER / "render_networks.py"), "--deployments-dir", str(tmp_path),
         "--networks-file", str(networks), "--manifest-out", str(out), "--network", "local"],
        check=True, capture_output=True, text=True,
    )
    filled = json.loads(networks.read_text())["local"]
    assert filled["EscrowFactory"] == {"address": addresses["EscrowFactory"][0], "startBlock": 4}
    rendered = yaml.safe_load(out.read_text())
    zero = ("0x" + "00" * 20, 0)
    for source in rendered["dataSources"]:
        assert source["network"] == "local"
        assert source["source"]["address"] == addresses.get(source["name"], zero)[0]
        assert source["source"]["startBlock"] == addresses.get(source["name"], zero)[1]
    assert filled["LancerStaking"] == {"address": zero[0], "startBlock": 0}
    assert rendered["templates"][0]["network"] == "local"


def _ensure_npm_project() -> Path:
    """subgraphs/node_modules installed from the committed lock file (npm ci), or a clear failure."""
    graph = SUBGRAPHS / "node_modules" / ".bin" / "graph"
    marker = SUBGRAPHS / "node_modules" / ".package-lock.json"
    lock = SUBGRAPHS / "package-lock.json"
    if graph.exists() and marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return graph
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm not found: the subgraph build needs Node 20 + npm (`npm ci --prefix subgraphs`)")
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=SUBGRAPHS,
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.fail(f"`npm ci` in subgraphs/ failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    assert graph.exists(), "npm ci did not install graph-cli"
    return graph


def test_graph_codegen_and_build(tmp_path: Path) -> None:
    graph = _ensure_npm_project()
    # Work on a copy, so a run never leaves generated/ or build/ in the source tree.
    work = tmp_path / "lancer"
    shutil.copytree(LANCER, work, ignore=shutil.ignore_patterns("generated", "build"))
    (tmp_path / "node_modules").symlink_to(SUBGRAPHS / "node_modules")
    for step in (["codegen", "subgraph.yaml", "--output-dir", "generated"],
                 ["build", "subgraph.yaml", "--output-dir", "build"]):
        result = subprocess.run([str(graph), *step], cwd=work, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"graph {step[0]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    for name in ("LancerToken", "Treasury", "EscrowFactory", "MerkleDistributor", "LancerStaking"):
        assert (work / "build" / name / f"{name}.wasm").stat().st_size > 0
    assert (work / "build" / "templates" / "Escrow" / "Escrow.wasm").stat().st_size > 0
