#!/usr/bin/env python3
"""Copy the ABIs of Lancer's contracts from contracts/artifacts (ethpm JSON) into abis/.

The subgraph manifest references abis/<Contract>.json; run this after `lancer compile` changes an
artifact (tests/ops/test_subgraph.py fails while the copies are stale):

    python3 subgraphs/lancer/extract_abis.py          # write
    python3 subgraphs/lancer/extract_abis.py --check  # exit 1 if any copy is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parent.parent / "contracts" / "artifacts"
ABIS = HERE / "abis"
CONTRACTS = ("LancerToken", "Treasury", "EscrowFactory", "Escrow", "MerkleDistributor", "LancerStaking")


def render(contract: str, artifacts: Path = ARTIFACTS) -> str:
    abi = json.loads((artifacts / f"{contract}.json").read_text())["abi"]
    return json.dumps(abi, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale copies")
    args = parser.parse_args(argv)
    stale = []
    ABIS.mkdir(exist_ok=True)
    for contract in CONTRACTS:
        target = ABIS / f"{contract}.json"
        text = render(contract)
        if target.exists() and target.read_text() == text:
            continue
        stale.append(contract)
        if not args.check:
            target.write_text(text)
    if args.check and stale:
        print(f"stale ABI copies: {', '.join(stale)}; run python3 {Path(__file__).name}", file=sys.stderr)
        return 1
    if not args.check:
        print(f"updated: {', '.join(stale) or 'nothing (all current)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
