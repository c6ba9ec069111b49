"""Compile contracts/src with solcjs (via node) and write ethpm ContractType artifacts.

There is no native solc on our machines, so compilation shells out to ``contracts/solc_compile.js``,
which runs the WebAssembly build of solc from ``node_modules``. Settings live here, in one place,
because the deploy script uses the committed artifacts: what we test is exactly what we deploy.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR_NAME = "contracts/src"
DEFAULT_ARTIFACTS_DIR = REPO_ROOT / "contracts" / "artifacts"
BUILD_INFO_NAME = "build-info.json"
EXPECTED_COMPILER_PREFIX = "0.8.29+"

# Compiler settings used for every build and therefore for deployment. Source unit names are
# repo-relative paths, so the metadata hash (and thus the bytecode) does not depend on where the
# repo is checked out.
SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 200},
    "evmVersion": "cancun",
    "viaIR": False,
    "metadata": {"bytecodeHash": "ipfs"},
    "outputSelection": {
        "*": {
            "*": [
                "abi",
                "evm.bytecode.object",
                "evm.deployedBytecode.object",
                "evm.methodIdentifiers",
                "devdoc",
                "userdoc",
            ]
        }
    },
}


class CompileError(RuntimeError):
    """solc reported errors (or could not be run); the message carries solc's formatted output."""


def _sources(root: Path) -> dict[str, Path]:
    src = root / SOURCE_DIR_NAME
    files = sorted(src.rglob("*.sol"))
    if not files:
        raise CompileError(f"no Solidity sources under {src}")
    return {p.relative_to(root).as_posix(): p for p in files}


def standard_json_input(root: Path | None = None) -> dict[str, Any]:
    """The solc standard-JSON input for every source under contracts/src."""
    root = root or REPO_ROOT
    return {
        "language": "Solidity",
        "sources": {name: {"content": path.read_text(encoding="utf-8")} for name, path in _sources(root).items()},
        "settings": SETTINGS,
    }


def run_solc(std_input: dict[str, Any], root: Path | None = None) -> dict[str, Any]:
    """Run solcjs on a standard-JSON input; raise CompileError on any error-severity message."""
    root = root or REPO_ROOT
    script = root / "contracts" / "solc_compile.js"
    try:
        proc = subprocess.run(
            ["node", str(script)],
            input=json.dumps(std_input).encode(),
            capture_output=True,
            check=False,
            timeout=600,
        )
    except FileNotFoundError as exc:
        raise CompileError("node is not installed; it is needed to run solcjs") from exc
    if proc.returncode != 0:
        raise CompileError(f"solc_compile.js failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")
    output: dict[str, Any] = json.loads(proc.stdout)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise CompileError("\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors))
    version = str(output.get("compilerVersion", ""))
    if not version.startswith(EXPECTED_COMPILER_PREFIX):
        raise CompileError(f"expected solc {EXPECTED_COMPILER_PREFIX}*, got {version!r}")
    return output


def _hex(obj: str) -> str:
    return "0x" + obj if not obj.startswith("0x") else obj


def compile_all(root: Path | None = None) -> dict[str, dict[str, Any]]:
    """Compile every contract under contracts/src; return ethpm ContractType dicts by contract name.

    Interfaces and abstract contracts (empty bytecode) are left out. Contract names must be unique.
    """
    root = root or REPO_ROOT
    output = run_solc(standard_json_input(root), root)
    return _contract_types(output)


def _contract_types(output: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for source_id, contracts in sorted(output.get("contracts", {}).items()):
        if not source_id.startswith(SOURCE_DIR_NAME + "/"):
            continue  # OpenZeppelin and other dependencies: no artifacts of their own
        for name, data in sorted(contracts.items()):
            evm = data["evm"]
            if not evm["bytecode"]["object"]:
                continue
            if name in result:
                raise CompileError(f"duplicate contract name {name} in {source_id} and {result[name]['sourceId']}")
            result[name] = {
                "contractName": name,
                "sourceId": source_id,
                "abi": data["abi"],
                "deploymentBytecode": {"bytecode": _hex(evm["bytecode"]["object"])},
                "runtimeBytecode": {"bytecode": _hex(evm["deployedBytecode"]["object"])},
                "methodIdentifiers": evm.get("methodIdentifiers", {}),
                "userdoc": data.get("userdoc", {}),
                "devdoc": data.get("devdoc", {}),
            }
    return result


def _dump(obj: Any) -> bytes:
    return (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_artifacts(out_dir: Path | None = None, root: Path | None = None) -> dict[str, Path]:
    """Compile and write ``<ContractName>.json`` files plus ``build-info.json`` into ``out_dir``.

    Output is byte-for-byte deterministic. JSON files in ``out_dir`` that no longer correspond to a
    contract are removed so deleted contracts cannot linger as stale artifacts.
    """
    root = root or REPO_ROOT
    out_dir = Path(out_dir) if out_dir is not None else root / "contracts" / "artifacts"
    std_input = standard_json_input(root)
    output = run_solc(std_input, root)
    types = _contract_types(output)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    artifact_hashes: dict[str, str] = {}
    for name, ct in sorted(types.items()):
        data = _dump(ct)
        path = out_dir / f"{name}.json"
        path.write_bytes(data)
        written[name] = path
        artifact_hashes[name] = _sha256(data)
    build_info = {
        "compiler": {"name": "solc", "version": output["compilerVersion"], "frontend": "solcjs"},
        "settings": SETTINGS,
        "sources": {
            sid: _sha256(src["content"].encode("utf-8")) for sid, src in sorted(std_input["sources"].items())
        },
        "artifacts": artifact_hashes,
    }
    info_path = out_dir / BUILD_INFO_NAME
    info_path.write_bytes(_dump(build_info))
    keep = {p.name for p in written.values()} | {BUILD_INFO_NAME}
    for stale in out_dir.glob("*.json"):
        if stale.name not in keep:
            stale.unlink()
    return written
