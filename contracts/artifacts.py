"""The committed contract artifacts (ethpm ContractType JSON written by contracts.build), and the one
accessor that turns an artifact into a web3 contract (at an address, or deployed).

A leaf: it imports nothing of Lancer, so the indexer may read ABIs from here.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from web3 import Web3
    from web3.contract import Contract
    from web3.types import TxReceipt

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


# --- the one accessor for contracts from artifacts (deploy, gas report, benches, tests) -------------

def contract_at(w3: Web3, name: str, address: str) -> Contract:
    """A web3 handle on the deployed contract ``name`` at ``address``."""
    return w3.eth.contract(address=w3.to_checksum_address(address), abi=load_artifact(name)["abi"])


def contract_factory(w3: Web3, name: str) -> type[Contract]:
    """A web3 contract factory (ABI + creation bytecode) for deploying ``name``."""
    artifact = load_artifact(name)
    return w3.eth.contract(abi=artifact["abi"], bytecode=artifact["deploymentBytecode"]["bytecode"])


def deploy_unlocked(w3: Web3, name: str, *args: Any, sender: str) -> tuple[Contract, TxReceipt]:
    """Deploy ``name`` from a node-unlocked account (local anvil chains: dev, benches, tests) and wait
    for it; production deploys sign with their own key (``contracts.deploy``)."""
    tx_hash = contract_factory(w3, name).constructor(*args).transact({"from": sender})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
    if receipt["status"] != 1 or not receipt["contractAddress"]:
        raise RuntimeError(f"deploying {name} failed in {tx_hash.hex()}")
    return contract_at(w3, name, receipt["contractAddress"]), receipt


def deploy_platform_unlocked(w3: Web3, admin: str, *, token_cap: int, splits: list[tuple[str, int, bytes]],
                             fee_bps: int) -> tuple[dict[str, Contract], dict[str, int]]:
    """LancerToken, Treasury, the Escrow implementation and EscrowFactory, deployed from a node-unlocked
    ``admin`` (local chains: benches and tests); returns the contracts and their deploy blocks by name."""
    contracts: dict[str, Contract] = {}
    blocks: dict[str, int] = {}
    for name, args in (("LancerToken", [admin, token_cap]), ("Treasury", [admin, splits]), ("Escrow", []),
                       ("EscrowFactory", None)):
        if args is None:
            args = [admin, contracts["Escrow"].address, contracts["Treasury"].address, fee_bps]
        contracts[name], receipt = deploy_unlocked(w3, name, *args, sender=admin)
        blocks[name] = receipt["blockNumber"]
    return contracts, blocks
