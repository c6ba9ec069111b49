#!/usr/bin/env python3
"""Fill networks.json from the deploy script's `deployments/<chainId>.json` files.

    python3 subgraphs/lancer/render_networks.py                          # local <- deployments/31337.json
    python3 subgraphs/lancer/render_networks.py --map local=31337 --map mainnet=1 --deployments-dir DIR
    python3 subgraphs/lancer/render_networks.py --manifest-out subgraph.local.yaml --network local

networks.json is graph-cli's network file (`graph build --network local` applies it, rewriting
subgraph.yaml in place). `--manifest-out` writes a separate, rendered manifest for one network
instead, so the committed subgraph.yaml keeps its placeholders. Network names are The Graph's:
mainnet, matic (Polygon PoS), base, bsc; `local` is the first anvil chain of `lancer dev`.
Standard library only: runs with any Python 3.9+.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
NETWORKS = HERE / "networks.json"
MANIFEST = HERE / "subgraph.yaml"
DATA_SOURCES = ("LancerToken", "Treasury", "EscrowFactory")
# The token economy is deployed where configured: a chain without it keeps the zero address (indexes nothing).
OPTIONAL_DATA_SOURCES = ("MerkleDistributor", "LancerStaking")
ZERO = "0x0000000000000000000000000000000000000000"
DEFAULT_MAP = {"local": 31337}


def load_deployment(directory: Path, chain_id: int) -> dict:
    path = directory / f"{chain_id}.json"
    if not path.exists():
        raise SystemExit(f"render_networks: {path} not found; run `lancer deploy` for chain {chain_id} first")
    return json.loads(path.read_text())


def network_entry(deployment: dict) -> dict:
    contracts = deployment.get("contracts", {})
    entry = {}
    for name in DATA_SOURCES:
        if name not in contracts:
            raise SystemExit(f"render_networks: {name} missing from deployment of chain {deployment.get('chain_id')}")
        entry[name] = {"address": contracts[name]["address"], "startBlock": int(contracts[name]["block_number"])}
    for name in OPTIONAL_DATA_SOURCES:
        found = contracts.get(name)
        entry[name] = ({"address": found["address"], "startBlock": int(found["block_number"])} if found
                       else {"address": ZERO, "startBlock": 0})
    return entry


def render_manifest(manifest: str, network: str, entry: dict) -> str:
    """The manifest with every `network:` set and each data source's address/startBlock filled."""
    out = re.sub(r"(?m)^(\s+network:\s*)\S+", lambda m: m.group(1) + network, manifest)
    for name, source in entry.items():
        block = re.compile(
            rf"(name:\s*{name}\n(?:.*\n)*?\s+address:\s*)\"?0x[0-9a-fA-F]{{40}}\"?(\n(?:.*\n)*?\s+startBlock:\s*)\d+"
        )
        out, count = block.subn(
            lambda m, s=source: f'{m.group(1)}"{s["address"]}"{m.group(2)}{s["startBlock"]}', out, count=1
        )
        if count != 1:
            raise SystemExit(f"render_networks: data source {name} not found in the manifest")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deployments-dir", type=Path,
                        default=Path(os.environ.get("DEPLOYMENTS_DIR") or REPO / "deployments"))
    parser.add_argument("--map", action="append", default=[], metavar="NETWORK=CHAIN_ID",
                        help="network name to fill from a chain's deployment (default: local=31337)")
    parser.add_argument("--networks-file", type=Path, default=NETWORKS)
    parser.add_argument("--manifest-out", type=Path, help="also write a manifest rendered for --network")
    parser.add_argument("--network", default="local", help="network of --manifest-out")
    args = parser.parse_args(argv)

    mapping = dict(DEFAULT_MAP)
    for item in args.map:
        name, _, chain = item.partition("=")
        if not name or not chain.isdigit():
            parser.error(f"--map wants NETWORK=CHAIN_ID, got {item!r}")
        mapping[name] = int(chain)

    networks = json.loads(args.networks_file.read_text()) if args.networks_file.exists() else {}
    for network, chain_id in mapping.items():
        networks[network] = network_entry(load_deployment(args.deployments_dir, chain_id))
        print(f"{network}: filled from chain {chain_id}")
    args.networks_file.write_text(json.dumps(networks, indent=2) + "\n")

    if args.manifest_out:
        if args.network not in networks:
            parser.error(f"network {args.network!r} is not in {args.networks_file}")
        out = args.manifest_out if args.manifest_out.is_absolute() else HERE / args.manifest_out
        out.write_text(render_manifest(MANIFEST.read_text(), args.network, networks[args.network]))
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
